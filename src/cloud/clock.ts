/**
 * Time source for everything that waits (retry backoff, waiters). Production code uses
 * `realClock`; tests use `FakeClock`, whose `sleep` resolves when the test advances time,
 * so no test ever sleeps for real.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  return err;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(signal as AbortSignal));
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

interface Sleeper {
  until: number;
  resolve: () => void;
}

/**
 * A clock that only moves when told to. By default (`autoAdvance: true`) a `sleep` call
 * immediately advances virtual time by the requested amount and resolves on the next
 * microtask, which suits retry loops and waiters that are driven to completion. With
 * `autoAdvance: false`, sleepers stay pending until `advance()` passes their deadline.
 */
export class FakeClock implements Clock {
  #now: number;
  #autoAdvance: boolean;
  #sleepers: Sleeper[] = [];
  /** Every requested sleep, in order, for assertions. */
  readonly sleeps: number[] = [];

  constructor(opts: { start?: number; autoAdvance?: boolean } = {}) {
    this.#now = opts.start ?? Date.UTC(2026, 0, 1);
    this.#autoAdvance = opts.autoAdvance ?? true;
  }

  now(): number {
    return this.#now;
  }

  get pending(): number {
    return this.#sleepers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const duration = Math.max(0, ms);
    this.sleeps.push(duration);
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#autoAdvance) {
      this.#now += duration;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        until: this.#now + duration,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(abortReason(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.push(sleeper);
    });
  }

  /** Moves virtual time forward and wakes every sleeper whose deadline has passed. */
  advance(ms: number): void {
    this.#now += ms;
    const due = this.#sleepers.filter((s) => s.until <= this.#now);
    this.#sleepers = this.#sleepers.filter((s) => s.until > this.#now);
    for (const s of due) s.resolve();
  }
}
