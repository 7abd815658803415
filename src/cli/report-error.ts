import { CloudError, describeCloudError } from '../cloud/errors.ts';
import { ConfigError, formatProblems } from '../config/errors.ts';
import { ExitCode, SindriError } from './errors.ts';

export interface ErrorReport {
  exitCode: number;
  /** What a person reads on stderr. */
  text: string;
  /** What a program reads on stdout with --json. */
  json: { error: Record<string, unknown>; result?: unknown };
}

interface OclifParseError {
  message: string;
  oclif?: { exit?: number };
}

function isOclifError(err: unknown): err is OclifParseError {
  return typeof err === 'object' && err !== null && 'oclif' in err;
}

/** Turns any error into what sindri shows the user; stack traces only with `debug`. */
export function reportError(err: unknown, debug: boolean): ErrorReport {
  const stack = debug && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  if (err instanceof ConfigError) {
    return {
      exitCode: ExitCode.invalidInput,
      text: `${formatProblems(err.problems)}${stack}`,
      json: { error: { code: 'InvalidConfig', message: err.message, problems: err.problems } },
    };
  }
  if (err instanceof CloudError) {
    return {
      exitCode: ExitCode.failed,
      text: `Error: ${describeCloudError(err)}${stack}`,
      json: { error: err.toJSON() },
    };
  }
  if (err instanceof SindriError) {
    const hint = err.hint ? `\n  fix: ${err.hint}` : '';
    return {
      exitCode: err.exitCode,
      text: `Error: ${err.message}${hint}${stack}`,
      json: {
        error: { code: err.code, message: err.message, hint: err.hint },
        // A partial outcome (e.g. the regions a distribution did reach) stays visible to scripts.
        ...('result' in err ? { result: (err as { result: unknown }).result } : {}),
      },
    };
  }
  if (isOclifError(err)) {
    const exitCode = err.oclif?.exit ?? ExitCode.invalidInput;
    const text = err.message.replace(/^Error: /, '');
    return {
      exitCode,
      text: `Error: ${text}\n  fix: see 'sindri help' for the commands and flags${stack}`,
      json: { error: { code: 'InvalidUsage', message: text } },
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    exitCode: ExitCode.failed,
    text: `Error: ${message}${stack || '\n  (run again with --debug for details)'}`,
    json: { error: { code: 'UnexpectedError', message } },
  };
}
