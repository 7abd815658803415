/**
 * The process that runs packer for a build, apart from sindri's own: it starts packer in a session
 * of its own, serves packer's API calls as the loopback proxy (packer 1.6), keeps packer's output
 * (redacted) in the build's directory, and lives exactly as long as packer does. If sindri is killed,
 * its terminal closes or its output pipe breaks, packer still finishes its build or cleans up after
 * itself: its path to the cloud and its own output never depended on sindri.
 *
 * sindri talks to it over the IPC channel of `fork` (see `src/packer/run.ts`).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redact } from '../cloud/redact.ts';
import { type ApiRefusal, type CreatedResource, routeThroughWatch, startApiWatch } from './api-watch.ts';

export const SUPERVISOR_FLAG = '--sindri-packer-supervisor';

/** sindri → supervisor. */
export type ToSupervisor = {
  type: 'start';
  packerPath: string;
  args: string[];
  /** The template's directory, which also keeps packer's output files and the call journal. */
  dir: string;
  /** The whole environment packer runs with (credentials included; it is never written anywhere). */
  env: Record<string, string>;
  /** Values to cut out of everything kept or sent back. */
  secrets: string[];
  /** Put the loopback proxy between packer and the API (packer < 1.7 calls over plain HTTP). */
  watch: boolean;
  /** Where the proxy sends the calls on: the user's HTTP_PROXY / HTTPS_PROXY / NO_PROXY. */
  upstreamEnv: NodeJS.ProcessEnv;
};

/** supervisor → sindri. */
export type FromSupervisor =
  | { type: 'started'; pid: number }
  | { type: 'stdout'; chunk: string }
  | { type: 'stderr'; chunk: string }
  | { type: 'refusal'; refusal: ApiRefusal }
  | { type: 'exited'; code: number | null; signal: NodeJS.Signals | null }
  | { type: 'failed'; message: string };

/** Files the supervisor keeps in the build directory. */
export const PACKER_FILES = {
  /** packer's `-machine-readable` output, redacted. */
  out: 'packer.out',
  /** packer's stderr (its log with PACKER_LOG=1), redacted. */
  log: 'packer.log',
  /** packer's process ID while it runs. */
  pid: 'packer.pid',
  /** One JSON line per resource packer's calls created or deleted (no secrets): what `sweep` checks. */
  journal: 'api-calls.jsonl',
} as const;

/** Sends to sindri while it listens; resolves once the message is out (or there is no one to send to). */
function send(message: FromSupervisor): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });
}

async function supervise(start: Extract<ToSupervisor, { type: 'start' }>): Promise<void> {
  const clean = (text: string) => redact(text, start.secrets);
  const journal = createWriteStream(join(start.dir, PACKER_FILES.journal), { flags: 'a', mode: 0o600 });
  const note = (resource: CreatedResource) =>
    journal.write(`${JSON.stringify({ at: new Date().toISOString(), ...resource })}\n`);
  const watch = start.watch
    ? await startApiWatch({
        env: start.upstreamEnv,
        onRefusal: (refusal) => send({ type: 'refusal', refusal }),
        onResource: note,
      })
    : undefined;
  const env = { ...start.env };
  if (watch) routeThroughWatch(env, watch.url);
  const out = createWriteStream(join(start.dir, PACKER_FILES.out), { mode: 0o600 });
  const log = createWriteStream(join(start.dir, PACKER_FILES.log), { mode: 0o600 });
  const packer = spawn(start.packerPath, start.args, {
    cwd: start.dir,
    env,
    // Its own session: a signal to sindri's terminal or process group does not reach it.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  packer.on('error', async (err) => {
    await send({ type: 'failed', message: clean(err.message) });
    process.exit(1);
  });
  if (packer.pid === undefined) return;
  writeFileSync(join(start.dir, PACKER_FILES.pid), `${packer.pid}\n`, { mode: 0o600 });
  send({ type: 'started', pid: packer.pid });
  packer.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const text = clean(chunk);
    out.write(text);
    send({ type: 'stdout', chunk: text });
  });
  packer.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    const text = clean(chunk);
    log.write(text);
    send({ type: 'stderr', chunk: text });
  });
  packer.on('close', async (code, signal) => {
    await send({ type: 'exited', code, signal });
    await Promise.all([out, log, journal].map((s) => new Promise((resolve) => s.end(resolve))));
    await watch?.close();
    // sindri has what it needs once it has the exit; without sindri there is no one to wait for.
    process.exit(0);
  });
}

/** The supervisor's main: waits for its start message, then runs packer. */
export function runSupervisor(): void {
  // sindri going away (its IPC channel closes) changes nothing: packer runs on.
  process.on('disconnect', () => {});
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => {});
  process.once('message', (message: ToSupervisor) => {
    if (message.type !== 'start') return;
    supervise(message).catch(async (err: unknown) => {
      await send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    });
  });
}

if (process.argv.includes(SUPERVISOR_FLAG)) runSupervisor();
