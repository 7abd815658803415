/** Runs checks in parallel, each with its own timeout; an error in a check is that check's failure. */
import type { Check, CheckResult, DoctorContext } from './types.ts';
import { CouldNotCheck, SkipCheck } from './types.ts';

export interface RunChecksOptions {
  timeoutMs?: number;
  /** Turns an unexpected error into a sentence and a fix (cloud errors get their hint). */
  describeError?: (err: unknown) => { detail: string; fix?: string };
}

export const DEFAULT_CHECK_TIMEOUT_MS = 30_000;

function fallbackDescribe(err: unknown): { detail: string; fix?: string } {
  return { detail: err instanceof Error ? err.message : String(err) };
}

export async function runCheck(
  check: Check,
  ctx: DoctorContext,
  opts: RunChecksOptions = {},
): Promise<CheckResult> {
  if (check.needs === 'config' && !ctx.config) {
    return {
      id: check.id,
      status: 'skip',
      detail: 'no configuration file',
      fix: 'run in the directory of sindri.yaml or pass --config FILE',
    };
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new Error('timeout'));
      reject(
        new CouldNotCheck(
          `timed out after ${Math.round(timeoutMs / 100) / 10} s`,
          'check the network, proxy and endpoint settings, then run doctor again',
        ),
      );
    }, timeoutMs);
  });
  try {
    const outcome = await Promise.race([check.run(ctx, controller.signal), timeout]);
    return { id: check.id, ...outcome };
  } catch (err) {
    if (err instanceof SkipCheck) return { id: check.id, status: 'skip', detail: err.message };
    if (err instanceof CouldNotCheck) {
      return {
        id: check.id,
        status: 'warn',
        detail: `could not check: ${err.message}`,
        ...(err.fix ? { fix: err.fix } : {}),
      };
    }
    const { detail, fix } = (opts.describeError ?? fallbackDescribe)(err);
    return { id: check.id, status: 'fail', detail, ...(fix ? { fix } : {}) };
  } finally {
    clearTimeout(timer);
  }
}

/** Every check at once; results in the checks' order. */
export function runChecks(
  checks: readonly Check[],
  ctx: DoctorContext,
  opts: RunChecksOptions = {},
): Promise<CheckResult[]> {
  return Promise.all(checks.map((c) => runCheck(c, ctx, opts)));
}
