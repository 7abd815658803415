/** Turning cloud errors inside checks into a detail and a fix. */
import { type CloudError, toCloudError } from '../cloud/index.ts';
import type { DoctorContext } from './types.ts';
import { CouldNotCheck } from './types.ts';

export function isForbidden(e: CloudError): boolean {
  return e.code.startsWith('Forbidden') || e.code === 'NoPermission' || e.statusCode === 403;
}

/** The check's failure for an unexpected error: the API code and message, the hint's fix. */
export function describeCheckError(err: unknown): { detail: string; fix?: string } {
  const e = toCloudError(err);
  const where = [e.product ? `${e.product}:${e.action ?? ''}` : undefined].filter(Boolean).join('');
  const detail = `${where ? `${where} failed: ` : ''}${e.code}: ${e.message}${e.requestId ? ` (request ${e.requestId})` : ''}`;
  return { detail, ...(e.hint ? { fix: e.hint.fix } : {}) };
}

/**
 * Runs a lookup the doctor makes. When RAM forbids it: if the build needs the same action the
 * error stands (the build would fail the same way); otherwise the check could not run (warn).
 */
export async function lookup<T>(ctx: DoctorContext, action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = toCloudError(err);
    if (isForbidden(e)) {
      const needed = await ctx.requiredActions();
      if (!needed.some((a) => a.toLowerCase() === action.toLowerCase())) {
        throw new CouldNotCheck(
          `${action} is not allowed for this caller (${e.code})`,
          `allow ${action} to let doctor check this; the build itself does not need it`,
        );
      }
    }
    throw err;
  }
}

/** Awaits the cloud session for a check; a credentials problem skips the check. */
export async function sessionOrSkip(ctx: DoctorContext) {
  const { SkipCheck } = await import('./types.ts');
  try {
    return await ctx.session();
  } catch {
    throw new SkipCheck('credentials are not usable (see the credentials check)');
  }
}
