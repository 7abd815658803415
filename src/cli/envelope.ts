/**
 * The machine interface: with `--json`, stdout carries exactly one envelope, success or failure
 * (docs/json-output.md; its JSON Schema is schemas/output.schema.json).
 */

export interface JsonWarning {
  message: string;
  code?: string;
}

export interface JsonError {
  name: string;
  code: string;
  message: string;
  exitCode: number;
  /** What the user can do about it, a sentence each. */
  actions: string[];
  requestId?: string;
  [detail: string]: unknown;
}

export interface Envelope {
  /** The exit code. */
  status: number;
  /** The command, as typed: `packer build`. */
  command: string;
  /** The command's result; on failure, what was done before it (when anything was). */
  result?: unknown;
  error?: JsonError;
  warnings: JsonWarning[];
}

export function successEnvelope(command: string, result: unknown, warnings: JsonWarning[]): Envelope {
  return { status: 0, command, result, warnings };
}

export function failureEnvelope(
  command: string,
  error: JsonError,
  result: unknown,
  warnings: JsonWarning[],
): Envelope {
  return {
    status: error.exitCode,
    command,
    ...(result === undefined ? {} : { result }),
    error,
    warnings,
  };
}
