import { abortReason, type Clock, realClock } from './clock.ts';
import { CloudError } from './errors.ts';

export interface WaitProgress<T> {
  /** Polls made so far, this one included. */
  polls: number;
  elapsedMs: number;
  value: T;
  /** Delay before the next poll; 0 when done. */
  nextDelayMs: number;
}

export interface WaitOptions<T> {
  /** One look at the resource (usually a retried Describe* call). */
  poll: (signal?: AbortSignal) => Promise<T>;
  isDone: (value: T) => boolean;
  /** Returns a reason when the resource reached a state it will never leave (e.g. CreateFailed). */
  failed?: (value: T) => string | undefined;
  /** Overall time limit, measured from the first poll. */
  deadlineMs: number;
  /** First delay between polls (default 1 s). */
  initialDelayMs?: number;
  /** Delay cap (default 15 s). */
  maxDelayMs?: number;
  /** Growth factor of the delay (default 1.5). */
  factor?: number;
  onProgress?: (p: WaitProgress<T>) => void;
  signal?: AbortSignal;
  clock?: Clock;
  /** Names the thing waited for in messages, e.g. "image m-123 to become Available". */
  what?: string;
  /** Describes the last value seen, for the timeout message. */
  describe?: (value: T) => string;
}

/** The sequence of delays a waiter uses: starts fast, grows by `factor`, capped. */
export function pollDelay(poll: number, initialDelayMs: number, maxDelayMs: number, factor: number): number {
  return Math.min(maxDelayMs, Math.round(initialDelayMs * factor ** Math.max(0, poll - 1)));
}

/**
 * Polls until `isDone`, a terminal failure, the deadline or an abort. Never sleeps past the
 * deadline; the last poll happens at the deadline at the latest.
 */
export async function waitFor<T>(opts: WaitOptions<T>): Promise<T> {
  const clock = opts.clock ?? realClock;
  const initial = opts.initialDelayMs ?? 1000;
  const max = opts.maxDelayMs ?? 15_000;
  const factor = opts.factor ?? 1.5;
  if (!(opts.deadlineMs >= 0)) throw new RangeError('deadlineMs must be >= 0');
  if (!(factor >= 1)) throw new RangeError('factor must be >= 1');
  const start = clock.now();
  const deadline = start + opts.deadlineMs;
  const what = opts.what ?? 'the resource';
  for (let polls = 1; ; polls++) {
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    const value = await opts.poll(opts.signal);
    const now = clock.now();
    const done = opts.isDone(value);
    const failure = done ? undefined : opts.failed?.(value);
    const remaining = deadline - now;
    const nextDelayMs =
      done || failure || remaining <= 0 ? 0 : Math.min(pollDelay(polls, initial, max, factor), remaining);
    opts.onProgress?.({ polls, elapsedMs: now - start, value, nextDelayMs });
    if (done) return value;
    if (failure) {
      throw new CloudError({ code: 'WaitFailed', message: `Gave up waiting for ${what}: ${failure}` });
    }
    if (remaining <= 0) {
      const last = opts.describe ? ` (last seen: ${opts.describe(value)})` : '';
      throw new CloudError({
        code: 'WaitTimeout',
        message: `Timed out after ${Math.round((now - start) / 1000)} s waiting for ${what}${last}`,
        attempts: polls,
      });
    }
    await clock.sleep(nextDelayMs, opts.signal);
  }
}
