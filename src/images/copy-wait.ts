/**
 * Waiting on an image copy. A copy reports its Progress (a percentage) while it is Creating, so the
 * next look is timed from the rate seen so far instead of a fixed backoff: a copy that takes T is
 * noticed shortly after T with a handful of polls, whatever T is.
 */
import { type Clock, CloudError, realClock } from '../cloud/index.ts';

export interface CopyStatus {
  /** Undefined when the image is not (or no longer) there. */
  status: string | undefined;
  /** `"45%"` as the API reports it. */
  progress?: string | undefined;
}

export interface CopyWaitOptions {
  poll: (signal?: AbortSignal) => Promise<CopyStatus>;
  /** Clock time the copy was requested, when this process requested it; sharpens the first estimate. */
  requestedAt?: number | undefined;
  /** Shortest delay between polls (default 1 s). */
  minDelayMs?: number | undefined;
  /** Longest delay between polls (default 30 s). */
  maxDelayMs?: number | undefined;
  /** Overall limit, from the first poll. */
  deadlineMs: number;
  clock?: Clock | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((percent: number | undefined, polls: number) => void) | undefined;
  /** For messages: "image m-1 in cn-shanghai". */
  what: string;
}

export interface CopyWaitResult {
  status: 'Available' | 'CreateFailed' | 'missing';
  polls: number;
  elapsedMs: number;
}

export function parsePercent(progress: string | undefined): number | undefined {
  if (progress === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(progress);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 0 && n <= 100 ? n : undefined;
}

interface Observation {
  at: number;
  percent: number;
}

/**
 * The delay before the next poll: the remaining time extrapolated from the progress rate (between the
 * first and the latest observation), just past it, within [min, max]; without a usable rate, a
 * backoff from `min` by 1.5× per poll.
 */
export function nextCopyDelay(
  first: Observation | undefined,
  latest: Observation | undefined,
  polls: number,
  minDelayMs: number,
  maxDelayMs: number,
): number {
  const clamp = (ms: number) => Math.round(Math.min(maxDelayMs, Math.max(minDelayMs, ms)));
  if (first && latest && latest.percent > first.percent && latest.percent < 100) {
    // The API rounds progress down: half a point is the expected error.
    const seen = latest.percent + 0.5;
    const span = Math.max(1, latest.at - first.at);
    const rate = (seen - first.percent) / span;
    const remaining = (100 - seen) / rate;
    // A few percent carry little information: do not jump further than 4× the span observed.
    const cap = latest.percent < 5 ? span * 4 : Number.POSITIVE_INFINITY;
    return clamp(Math.min(cap, remaining * 1.02 + minDelayMs / 4));
  }
  return clamp(minDelayMs * 1.5 ** Math.max(0, polls - 1));
}

/** Polls a copy until it is Available, CreateFailed or gone; throws on the deadline or an abort. */
export async function waitForCopy(opts: CopyWaitOptions): Promise<CopyWaitResult> {
  const clock = opts.clock ?? realClock;
  const min = opts.minDelayMs ?? 1000;
  const max = Math.max(min, opts.maxDelayMs ?? 30_000);
  const start = clock.now();
  let first: Observation | undefined =
    opts.requestedAt !== undefined ? { at: opts.requestedAt, percent: 0 } : undefined;
  let latest: Observation | undefined;
  for (let polls = 1; ; polls++) {
    if (opts.signal?.aborted)
      throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted');
    const seen = await opts.poll(opts.signal);
    const now = clock.now();
    if (seen.status === undefined) return { status: 'missing', polls, elapsedMs: now - start };
    if (seen.status === 'Available' || seen.status === 'Deprecated')
      return { status: 'Available', polls, elapsedMs: now - start };
    if (seen.status === 'CreateFailed' || seen.status === 'UnAvailable')
      return { status: 'CreateFailed', polls, elapsedMs: now - start };
    const percent = parsePercent(seen.progress);
    opts.onProgress?.(percent, polls);
    if (percent !== undefined) {
      latest = { at: now, percent };
      // Without the request time, the first observation with progress anchors the rate.
      first ??= latest;
    }
    const remaining = start + opts.deadlineMs - now;
    if (remaining <= 0)
      throw new CloudError({
        code: 'WaitTimeout',
        message: `Timed out after ${Math.round((now - start) / 1000)} s waiting for ${opts.what} to become Available (last seen: ${seen.status}${seen.progress ? ` ${seen.progress}` : ''})`,
        attempts: polls,
      });
    await clock.sleep(Math.min(remaining, nextCopyDelay(first, latest, polls, min, max)), opts.signal);
  }
}
