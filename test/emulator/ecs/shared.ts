/** Helpers several ECS resource files share. */
import { ApiError } from '../errors.ts';

export const incorrectInstanceStatus = (status: string): ApiError =>
  new ApiError(
    'IncorrectInstanceStatus',
    `The current status of the resource does not support this operation. (current status: ${status})`,
    403,
  );

export function progress(from: number, until: number, now: number): string {
  if (now >= until || until <= from) return '100%';
  return `${Math.min(99, Math.floor(((now - from) / (until - from)) * 100))}%`;
}

/** A name filter: exact, or a `*` glob when the name has one; no name matches everything. */
export function nameFilter(name: string | undefined): (value: string) => boolean {
  if (name === undefined) return () => true;
  if (!name.includes('*')) return (value) => value === name;
  const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return (value) => re.test(value);
}
