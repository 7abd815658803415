import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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

/** Runs the built `sindri` binary (npm run build first) and collects its output. */
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
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
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
