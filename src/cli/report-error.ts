import { CloudError, describeCloudError } from '../cloud/errors.ts';
import { ConfigError, formatProblems } from '../config/errors.ts';
import { ExitCode, SindriError } from '../errors.ts';
import type { JsonError } from './envelope.ts';

export interface ErrorReport {
  exitCode: number;
  /** What a person reads on stderr. */
  text: string;
  /** The envelope's `error` member. */
  error: JsonError;
  /** A partial outcome carried by the error. */
  result?: unknown;
}

interface OclifParseError {
  message: string;
  oclif?: { exit?: number };
}

function isOclifError(err: unknown): err is OclifParseError {
  return typeof err === 'object' && err !== null && 'oclif' in err;
}

function fixLines(actions: readonly string[]): string {
  return actions.map((a) => `\n  fix: ${a}`).join('');
}

function jsonOf(err: SindriError): JsonError {
  return {
    ...err.details(),
    name: err.name,
    code: err.code,
    message: err.message,
    exitCode: err.exitCode,
    actions: [...err.actions],
    ...(err.requestId ? { requestId: err.requestId } : {}),
  };
}

function textOf(err: SindriError): string {
  if (err instanceof ConfigError) return formatProblems(err.problems);
  // An error sindri raised before any call (no credentials found): its message, then the fix.
  if (err instanceof CloudError && !err.product && err.hint)
    return `Error: ${err.message}${fixLines([err.hint.fix])}`;
  if (err instanceof CloudError) return `Error: ${describeCloudError(err)}`;
  return `Error: ${err.message}${fixLines(err.actions)}`;
}

/**
 * Turns any error into what sindri shows the user; stack traces only with `debug`. `command` (as
 * typed: `packer build`) makes a usage error point at that command's help.
 */
export function reportError(err: unknown, debug: boolean, command?: string): ErrorReport {
  const stack = debug && err instanceof Error && err.stack ? `\n${err.stack}` : '';
  if (err instanceof SindriError) {
    return {
      exitCode: err.exitCode,
      text: `${textOf(err)}${stack}`,
      error: jsonOf(err),
      ...(err.result === undefined ? {} : { result: err.result }),
    };
  }
  if (isOclifError(err)) {
    const exitCode = err.oclif?.exit ?? ExitCode.invalidInput;
    // oclif's own "See more help with --help" line is replaced by a fix naming the command's help.
    const message = err.message
      .replace(/^Error: /, '')
      .replace(/\n\s*See more help with --help\s*$/, '')
      .trim();
    const actions = [
      command
        ? `see 'sindri ${command} --help' for its flags and arguments`
        : "see 'sindri help' for the commands",
    ];
    return {
      exitCode,
      text: `Error: ${message}${fixLines(actions)}${stack}`,
      error: { name: 'UsageError', code: 'InvalidUsage', message, exitCode, actions },
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    exitCode: ExitCode.failed,
    text: `Error: ${message}${stack || '\n  (run again with --debug for details)'}`,
    error: {
      name: err instanceof Error ? err.name : 'Error',
      code: 'UnexpectedError',
      message,
      exitCode: ExitCode.failed,
      actions: ['run again with --debug and report the output'],
    },
  };
}
