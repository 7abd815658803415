/**
 * The one error model. Every error sindri shows a user is a `SindriError`: a sentence, the code a
 * script can branch on, the exit code, what the user can do about it (`actions`), the cloud's request
 * ID when a call failed, and what was done before the failure (`result`). `src/cli/report-error.ts`
 * turns it into text or into the JSON envelope (docs/json-output.md).
 */

/** Exit codes sindri promises to scripts and CI. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  invalidInput: 2,
  /** `sindri packer outdated`: the image is not current (the report is the result). */
  outdated: 10,
  interrupted: 130,
} as const;

export interface SindriErrorOptions {
  code?: string;
  exitCode?: number;
  /** What the user can do about it, a sentence each (shown as `fix:` lines). */
  actions?: readonly string[];
  requestId?: string | undefined;
  /** What was done before the failure (the regions a distribution reached): scripts still see it. */
  result?: unknown;
  cause?: unknown;
}

export class SindriError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly actions: readonly string[];
  readonly requestId: string | undefined;
  result: unknown;

  constructor(message: string, opts: SindriErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SindriError';
    this.code = opts.code ?? 'OperationFailed';
    this.exitCode = opts.exitCode ?? ExitCode.failed;
    this.actions = opts.actions ?? [];
    this.requestId = opts.requestId;
    this.result = opts.result;
  }

  /** The error's own fields for the JSON envelope, besides name, code, message, actions and request ID. */
  details(): Record<string, unknown> {
    return {};
  }

  /** The error as one line (cloud errors put their code first). */
  summary(): string {
    return this.message;
  }

  /** Attaches the partial outcome and returns the error, for `throw err.withResult(result)`. */
  withResult(result: unknown): this {
    this.result = result;
    return this;
  }
}

/** Invalid input or usage: exit 2. */
export class UsageError extends SindriError {
  constructor(message: string, fix?: string) {
    super(message, { exitCode: ExitCode.invalidInput, code: 'InvalidUsage', actions: fix ? [fix] : [] });
    this.name = 'UsageError';
  }
}

/** Ctrl-C, SIGTERM or SIGHUP stopped the work: exit 130, with how to continue. */
export class InterruptedError extends SindriError {
  constructor(message: string, fix?: string) {
    super(message, { exitCode: ExitCode.interrupted, code: 'Interrupted', actions: fix ? [fix] : [] });
    this.name = 'InterruptedError';
  }
}

/** An error as one line for a record or a progress line (a cloud error with its code first). */
export function errorText(err: unknown): string {
  if (err instanceof SindriError) return err.summary();
  return err instanceof Error ? err.message : String(err);
}
