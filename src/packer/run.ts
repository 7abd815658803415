import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ApiRefusal } from './api-watch.ts';
import { PACKER_BASE_ENV } from './binary.ts';
import {
  artifactImages,
  type MachineReadableEvent,
  MachineReadableStream,
  uiMessage,
} from './machine-readable.ts';
import { type FromSupervisor, SUPERVISOR_FLAG, type ToSupervisor } from './supervisor.ts';

export interface PackerBuildOptions {
  packerPath: string;
  /** Working directory holding the template (packer's output files and the call journal go there too). */
  dir: string;
  file: string;
  /** Extra arguments before the template: -var, -var-file, -force, -on-error. */
  args: string[];
  /** The whole environment packer runs with (credentials included; nothing else carries them). */
  env: Record<string, string>;
  /** Values cut out of packer's output before it is kept or shown. */
  secrets?: string[];
  /** Pass packer's API calls through the loopback proxy, which names every call RAM refuses. */
  watch?: { upstreamEnv: NodeJS.ProcessEnv; onRefusal: (refusal: ApiRefusal) => void };
  onEvent?: (event: MachineReadableEvent) => void;
  /** Every non-machine-readable line (packer's own log with PACKER_LOG=1 goes to stderr). */
  onLog?: (line: string) => void;
  /** Aborting sends SIGINT to packer's process group and waits for its cleanup. */
  signal?: AbortSignal;
  /** How long packer may take to clean up after an interrupt before its group is killed. */
  cleanupGraceMs?: number;
}

export interface PackerBuildResult {
  exitCode: number | null;
  interrupted: boolean;
  /** Killed after the grace period: cloud resources may remain. */
  killed: boolean;
  images: Record<string, string>;
  /** The last `ui` error and say lines, for failure messages. */
  uiTail: string[];
  durationMs: number;
}

const TAIL_LINES = 30;

function supervisorEntry(): string {
  return fileURLToPath(
    new URL(`./supervisor${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
  );
}

/**
 * Runs `packer build -machine-readable` through its supervisor (`src/packer/supervisor.ts`), a
 * process of its own that outlives sindri if it must: an interrupt reaches packer once, through
 * sindri, and packer deletes what it created before it exits; if sindri dies instead, packer still
 * finishes or cleans up.
 */
export async function runPackerBuild(opts: PackerBuildOptions): Promise<PackerBuildResult> {
  const started = Date.now();
  const events: MachineReadableEvent[] = [];
  const uiTail: string[] = [];
  const stream = new MachineReadableStream();
  const handle = (list: MachineReadableEvent[]) => {
    for (const e of list) {
      events.push(e);
      const ui = uiMessage(e);
      if (ui) {
        for (const line of ui.text.split('\n')) if (line.trim()) uiTail.push(line);
        if (uiTail.length > TAIL_LINES) uiTail.splice(0, uiTail.length - TAIL_LINES);
      }
      opts.onEvent?.(e);
    }
  };
  let errBuffer = '';
  const onStderr = (chunk: string) => {
    errBuffer += chunk;
    const lines = errBuffer.split('\n');
    errBuffer = lines.pop() ?? '';
    for (const line of lines) opts.onLog?.(line);
  };

  // The build directory in its arguments tells one build's supervisor from another's (ps, pgrep).
  const supervisor = fork(supervisorEntry(), [SUPERVISOR_FLAG, opts.dir], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { PATH: process.env.PATH ?? '' },
  });
  // sindri does not wait for it: once packer has exited it goes by itself.
  supervisor.unref();
  let pid: number | undefined;
  let interrupted = false;
  let killed = false;
  let killTimer: NodeJS.Timeout | undefined;
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      if (pid !== undefined) process.kill(-pid, sig);
    } catch {
      // the group is already gone
    }
  };
  const onAbort = () => {
    if (interrupted) return;
    interrupted = true;
    signalGroup('SIGINT');
    killTimer = setTimeout(() => {
      killed = true;
      signalGroup('SIGKILL');
    }, opts.cleanupGraceMs ?? 300_000);
  };

  try {
    const exit = await new Promise<{ code: number | null }>((resolve, reject) => {
      supervisor.on('message', (message: FromSupervisor) => {
        if (message.type === 'started') {
          pid = message.pid;
          if (opts.signal?.aborted) onAbort();
          opts.signal?.addEventListener('abort', onAbort, { once: true });
        } else if (message.type === 'stdout') handle(stream.push(message.chunk));
        else if (message.type === 'stderr') onStderr(message.chunk);
        else if (message.type === 'refusal') opts.watch?.onRefusal(message.refusal);
        else if (message.type === 'exited') resolve({ code: message.code });
        else if (message.type === 'failed')
          reject(new Error(`packer could not be started: ${message.message}`));
      });
      supervisor.on('error', reject);
      supervisor.on('exit', (code) => {
        if (pid === undefined)
          reject(new Error(`packer's supervisor exited (${code}) before packer started`));
      });
      const start: ToSupervisor = {
        type: 'start',
        packerPath: opts.packerPath,
        args: ['build', '-machine-readable', ...opts.args, opts.file],
        dir: opts.dir,
        env: { ...opts.env, ...PACKER_BASE_ENV },
        secrets: opts.secrets ?? [],
        watch: opts.watch !== undefined,
        upstreamEnv: opts.watch?.upstreamEnv ?? {},
      };
      supervisor.send(start);
    });
    handle(stream.end());
    if (errBuffer) opts.onLog?.(errBuffer);
    return {
      exitCode: exit.code,
      interrupted,
      killed,
      images: artifactImages(events),
      uiTail,
      durationMs: Date.now() - started,
    };
  } finally {
    if (killTimer) clearTimeout(killTimer);
    opts.signal?.removeEventListener('abort', onAbort);
    if (supervisor.connected) supervisor.disconnect();
  }
}

/**
 * `packer init` for packer >= 1.7, where the alicloud builder is a plugin named in the template's
 * required_plugins block. Installs into packer's plugin directory; a no-op when it is already there.
 */
export async function packerInit(opts: {
  packerPath: string;
  dir: string;
  file: string;
  env: Record<string, string | undefined>;
}): Promise<{ ok: boolean; output: string }> {
  const { execa } = await import('execa');
  const r = await execa(opts.packerPath, ['init', opts.file], {
    cwd: opts.dir,
    env: { ...opts.env, ...PACKER_BASE_ENV },
    extendEnv: false,
    reject: false,
    all: true,
    stdin: 'ignore',
    timeout: 300_000,
  });
  return { ok: r.exitCode === 0, output: r.all ?? '' };
}
