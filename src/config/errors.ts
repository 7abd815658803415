import { ExitCode, SindriError } from '../errors.ts';

/** One thing wrong with a configuration, located in the file (or attributed to a flag/environment variable). */
export interface ConfigProblem {
  /** Config file as shown to the user, or the flag (`--region`) / variable (`$ALICLOUD_REGION`) that set the value. */
  file: string;
  line?: number;
  column?: number;
  /** Key path such as `providers.packer.alibaba.region` or `providers.packer.alibaba.image_copy_regions[1]`. */
  path: string;
  message: string;
  hint?: string;
}

/** A configuration that cannot be used. Always exit code 2 (a usage error), never a stack trace. */
export class ConfigError extends SindriError {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(formatProblems(problems), {
      code: 'InvalidConfig',
      exitCode: ExitCode.invalidInput,
      actions: [...new Set(problems.flatMap((p) => (p.hint ? [p.hint] : [])))],
    });
    this.name = 'ConfigError';
    this.problems = problems;
  }

  override details(): Record<string, unknown> {
    return { problems: this.problems };
  }
}

export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}

function where(p: ConfigProblem): string {
  if (p.line === undefined) return p.file;
  return `${p.file}:${p.line}:${p.column ?? 1}`;
}

/**
 * Human-readable text, one block per problem:
 * `sindri.yaml:12:7  providers.packer.alibaba.region  must be one of ...` and an indented `fix:` line.
 */
export function formatProblems(problems: ConfigProblem[]): string {
  return problems
    .map((p) => {
      // A problem with the file itself (not found, unreadable, too large) is shown at the file alone.
      const key = p.path || (p.line === undefined ? undefined : '(root)');
      const head = [where(p), ...(key ? [key] : []), p.message].join('  ');
      return p.hint ? `${head}\n  fix: ${p.hint}` : head;
    })
    .join('\n');
}
