import { PACKER_BASE_ENV } from './binary.ts';
import {
  artifactImages,
  type MachineReadableEvent,
  MachineReadableStream,
  uiMessage,
} from './machine-readable.ts';

export interface PackerBuildOptions {
  packerPath: string;
  /** Working directory holding the template. */
  dir: string;
  file: string;
  /** Extra arguments before the template: -var, -var-file, -force, -on-error. */
  args: string[];
  /** The whole environment packer runs with (credentials included; nothing else carries them). */
  env: Record<string, string>;
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

/**
 * Runs `packer build -machine-readable` in its own process group so that an interrupt reaches packer
 * (and its plugins) once, through us, and packer can delete what it created before it exits.
 */
export async function runPackerBuild(opts: PackerBuildOptions): Promise<PackerBuildResult> {
  const { execa } = await import('execa');
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

  const child = execa(opts.packerPath, ['build', '-machine-readable', ...opts.args, opts.file], {
    cwd: opts.dir,
    env: { ...opts.env, ...PACKER_BASE_ENV },
    extendEnv: false,
    detached: true,
    cleanup: false,
    reject: false,
    stdin: 'ignore',
    buffer: false,
    encoding: 'utf8',
  });

  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => handle(stream.push(chunk)));
  let errBuffer = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errBuffer += chunk;
    const lines = errBuffer.split('\n');
    errBuffer = lines.pop() ?? '';
    for (const line of lines) opts.onLog?.(line);
  });

  let interrupted = false;
  let killed = false;
  let killTimer: NodeJS.Timeout | undefined;
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, sig);
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
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const result = await child;
    handle(stream.end());
    if (errBuffer) opts.onLog?.(errBuffer);
    return {
      exitCode: result.exitCode ?? null,
      interrupted,
      killed,
      images: artifactImages(events),
      uiTail,
      durationMs: Date.now() - started,
    };
  } finally {
    if (killTimer) clearTimeout(killTimer);
    opts.signal?.removeEventListener('abort', onAbort);
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
