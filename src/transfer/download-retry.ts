/** How a download retries a failed or dropped connection: which errors, how often, how long between. */
import { CloudError } from '../cloud/errors.ts';

export interface DownloadRetryPolicy {
  /** Consecutive failed attempts (without a byte of progress) before giving up. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_DOWNLOAD_RETRY: DownloadRetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 15_000,
};

export function retryDelay(attempt: number, policy: DownloadRetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

/** A failure in a line: the cloud error's summary, or the socket error's code and message. */
export function describeFailure(err: unknown): string {
  if (err instanceof CloudError) return err.summary();
  const e = err as { code?: string; message?: string };
  return e?.code ? `${e.code}: ${e.message ?? ''}` : String(e?.message ?? err);
}

export function retryable(err: unknown): boolean {
  if (err instanceof CloudError) return err.retryable;
  return true; // Socket errors, premature ends, timeouts.
}
