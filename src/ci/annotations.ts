import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ConfigError, type ConfigProblem } from '../config/errors.ts';
import { formatAnnotation } from './workflow-commands.ts';

export interface AnnotationContext {
  env: NodeJS.ProcessEnv;
  /** Directory the problems' relative file names are relative to (the process's working directory). */
  cwd: string;
}

/** A problem attributed to a flag (`--region`) or a variable (`$ALICLOUD_REGION`) has no file to point at. */
function isFileName(file: string): boolean {
  return file !== '' && !file.startsWith('--') && !file.startsWith('$') && !file.startsWith('(');
}

/**
 * The file as GitHub wants it: relative to the repository checkout (`$GITHUB_WORKSPACE`) with
 * forward slashes, so the annotation lands on the pull request's diff. Undefined for files outside it.
 */
export function workspaceFile(file: string, ctx: AnnotationContext): string | undefined {
  if (!isFileName(file)) return undefined;
  const absolute = resolve(ctx.cwd, file);
  const workspace = resolve(ctx.cwd, ctx.env.GITHUB_WORKSPACE || ctx.cwd);
  const rel = relative(workspace, absolute);
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

/** One `::error` annotation for a configuration problem. */
export function problemAnnotation(problem: ConfigProblem, ctx: AnnotationContext): string {
  const file = workspaceFile(problem.file, ctx);
  const where =
    file === undefined && problem.file
      ? ` (${problem.file}${problem.line === undefined ? '' : `:${problem.line}:${problem.column ?? 1}`})`
      : '';
  const head = `${problem.path || '(root)'}: ${problem.message}${where}`;
  const message = problem.hint ? `${head}\nfix: ${problem.hint}` : head;
  return formatAnnotation('error', message, {
    ...(file !== undefined ? { file } : {}),
    ...(file !== undefined && problem.line !== undefined ? { line: problem.line } : {}),
    ...(file !== undefined && problem.line !== undefined ? { col: problem.column ?? 1 } : {}),
    title: `sindri: invalid configuration${problem.path ? ` (${problem.path})` : ''}`,
  });
}

/** Annotation lines (each ending in a newline) for an error; empty for errors that are not about the configuration. */
export function annotationsFor(err: unknown, ctx: AnnotationContext): string {
  if (!(err instanceof ConfigError)) return '';
  return err.problems.map((p) => `${problemAnnotation(p, ctx)}\n`).join('');
}

/**
 * Called by the base command when a command fails inside GitHub Actions: writes the annotations to
 * stderr (the runner reads workflow commands from both streams; stdout stays clean for `--json`).
 */
export function emitAnnotations(err: unknown, env: NodeJS.ProcessEnv = process.env): void {
  const text = annotationsFor(err, { env, cwd: process.cwd() });
  if (text) process.stderr.write(text);
}
