/** Runs the real packer binary against an emulator: proxy, fake credentials, machine-readable output. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  artifactImages,
  type MachineReadableEvent,
  parseMachineReadable,
} from '../../src/packer/machine-readable.ts';
import { ROOT_ACCESS_KEY_ID, ROOT_ACCESS_KEY_SECRET } from './accounts.ts';

export interface PackerRunOptions {
  /** The emulator URL (`http://127.0.0.1:PORT`): used as HTTP_PROXY and HTTPS_PROXY. */
  emulatorUrl: string;
  /** A template file or a directory of `.pkr.hcl` files. */
  template: string;
  /** `-var name=value`; arrays and numbers are written in HCL syntax. */
  vars?: Record<string, string | number | boolean | string[]>;
  region?: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  /** Extra environment (e.g. PACKER_LOG=1). */
  env?: Record<string, string>;
  /** Extra arguments before the template (e.g. `-force`). */
  args?: string[];
  packerPath?: string;
  timeoutMs?: number;
  /** Where packer runs (relative paths in the template). */
  cwd?: string;
}

export interface PackerRunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  lines: MachineReadableEvent[];
  stdout: string;
  stderr: string;
  /** Region → image ID, from the `artifact,0,id` line. */
  artifacts: Record<string, string>;
  /** The `ui` messages, unescaped, for diagnostics. */
  ui: string[];
  durationMs: number;
  timedOut: boolean;
}

function hclValue(v: string | number | boolean | string[]): string {
  if (Array.isArray(v)) return `[${v.map((s) => JSON.stringify(s)).join(',')}]`;
  return String(v);
}

export async function runPackerBuild(options: PackerRunOptions): Promise<PackerRunResult> {
  const home = await mkdtemp(join(tmpdir(), 'sindri-packer-home-'));
  const started = Date.now();
  const args = ['build', '-machine-readable', ...(options.args ?? [])];
  for (const [k, v] of Object.entries(options.vars ?? {})) args.push('-var', `${k}=${hclValue(v)}`);
  args.push(options.template);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TMPDIR: home,
    PACKER_CACHE_DIR: join(home, 'cache'),
    PACKER_CONFIG_DIR: join(home, 'config'),
    CHECKPOINT_DISABLE: '1',
    HTTP_PROXY: options.emulatorUrl,
    HTTPS_PROXY: options.emulatorUrl,
    http_proxy: options.emulatorUrl,
    https_proxy: options.emulatorUrl,
    NO_PROXY: '',
    no_proxy: '',
    ALICLOUD_ACCESS_KEY: options.accessKeyId ?? ROOT_ACCESS_KEY_ID,
    ALICLOUD_SECRET_KEY: options.accessKeySecret ?? ROOT_ACCESS_KEY_SECRET,
    ALICLOUD_REGION: options.region ?? 'cn-hangzhou',
    ...options.env,
  };
  const child = spawn(options.packerPath ?? 'packer', args, {
    env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  let timedOut = false;
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup('SIGINT');
    setTimeout(() => killGroup('SIGKILL'), 10_000).unref();
  }, options.timeoutMs ?? 180_000);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (code, sig) => resolve([code, sig])),
  );
  clearTimeout(timer);
  await rm(home, { recursive: true, force: true });
  const lines = parseMachineReadable(stdout);
  return {
    exitCode,
    signal,
    lines,
    stdout,
    stderr,
    artifacts: artifactImages(lines),
    ui: lines.filter((l) => l.type === 'ui').map((l) => l.data.slice(1).join(',')),
    durationMs: Date.now() - started,
    timedOut,
  };
}
