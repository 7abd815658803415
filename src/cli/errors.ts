/** Exit codes sindri promises to scripts and CI. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  invalidInput: 2,
  interrupted: 130,
} as const;

/** An error meant for the user: a sentence, an optional fix, and the exit code to leave with. */
export class SindriError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;
  readonly code: string;

  constructor(message: string, opts: { exitCode?: number; hint?: string; code?: string } = {}) {
    super(message);
    this.name = 'SindriError';
    this.exitCode = opts.exitCode ?? ExitCode.failed;
    this.hint = opts.hint;
    this.code = opts.code ?? 'OperationFailed';
  }
}

/** Invalid input or usage: exit 2. */
export class UsageError extends SindriError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.invalidInput, hint, code: 'InvalidUsage' });
    this.name = 'UsageError';
  }
}
