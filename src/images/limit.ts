/** A concurrency bound shared by every call of one command (regions × pages × share lookups). */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function createLimiter(concurrency: number): Limiter {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number >= 1, got ${concurrency}`);
  }
  let active = 0;
  const queue: Array<() => void> = [];
  const next = () => {
    active--;
    queue.shift()?.();
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= concurrency) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      next();
    }
  };
}

/** Maps with at most `limit` tasks in flight; results keep the input order. */
export async function mapLimited<T, R>(items: readonly T[], limit: Limiter, fn: (item: T) => Promise<R>) {
  return Promise.all(items.map((item) => limit(() => fn(item))));
}
