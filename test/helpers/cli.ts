import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const sindriBin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment for a CLI run that can reach no real cloud and no real credentials. */
export function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'NODE_COMPILE_CACHE']) {
    if (process.env[key] !== undefined) env[key] = process.env[key];
  }
  return {
    ...env,
    CHECKPOINT_DISABLE: '1',
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
    ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true',
    ...extra,
  };
}

let validateEnvelope: (((data: unknown) => boolean) & { errors?: unknown }) | undefined;

/** Throws unless `stdout` is exactly one document of schemas/output.schema.json. */
export function assertEnvelope(stdout: string): JsonEnvelope {
  validateEnvelope ??= new Ajv2020({ strict: true, allErrors: true }).compile(
    JSON.parse(readFileSync(new URL('../../schemas/output.schema.json', import.meta.url), 'utf8')),
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch (err) {
    throw new Error(
      `--json stdout is not one JSON document (${(err as Error).message}):\n${stdout.slice(0, 500)}`,
    );
  }
  if (!validateEnvelope(parsed))
    throw new Error(
      `--json stdout does not match the envelope schema: ${JSON.stringify(validateEnvelope.errors)}`,
    );
  return parsed as JsonEnvelope;
}

/**
 * Runs the built `sindri` binary (npm run build first) and collects its output. With `--json`, the
 * output of a process that exited (not killed) must be one envelope: every such run checks it.
 */
export function runSindri(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [sindriBin, ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: opts.env ?? isolatedEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    // Past the deadline, Ctrl-C: sindri lets packer clean up and exits 130.
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGINT'), opts.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== null && args.includes('--json') && !args.includes('--')) {
        try {
          assertEnvelope(stdout);
        } catch (err) {
          reject(
            new Error(
              `sindri ${args.join(' ')} (exit ${code}): ${(err as Error).message}\nstderr:\n${stderr}`,
            ),
          );
          return;
        }
      }
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * Runs `sindri ARGS` and presses Ctrl-C (SIGINT) once its stderr matches `when`, as a person watching
 * the progress would. `sent` says whether the output got there.
 */
export function interruptWhen(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; when: RegExp },
): Promise<{ code: number | null; stderr: string; sent: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [sindriBin, ...args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: 'pipe',
    });
    let stderr = '';
    let sent = false;
    child.stdout.resume();
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (!sent && opts.when.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, sent }));
  });
}

/** A Node.js or oclif stack trace in output: "    at fn (file:line:col)". */
export const STACK_TRACE = /^\s+at .+[:(].*\d+:\d+\)?$/m;

/** The `--json` envelope every command prints (docs/json-output.md). */
export interface JsonEnvelope<T = unknown> {
  status: number;
  command: string;
  result?: T;
  error?: {
    name: string;
    code: string;
    message: string;
    exitCode: number;
    actions: string[];
    requestId?: string;
    [detail: string]: unknown;
  };
  warnings: Array<{ message: string; code?: string }>;
}

/** The result of a successful `--json` run; throws with the error when the command failed. */
// biome-ignore lint/suspicious/noExplicitAny: untyped like JSON.parse unless the caller names the shape
export function jsonResult<T = any>(stdout: string): T {
  const envelope = JSON.parse(stdout) as JsonEnvelope<T>;
  if (envelope.status !== 0 || envelope.error)
    throw new Error(`expected success, got ${envelope.error?.code}: ${envelope.error?.message}`);
  return envelope.result as T;
}
