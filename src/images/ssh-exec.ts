/**
 * Running commands on an instance over SSH (the test stage's checks), with the official-enough
 * `ssh2` client, loaded only when a test stage runs.
 */
import type { RemoteExec } from './remote-exec.ts';

/** A jump host the connection goes through (an `ssh-private` build's bastion). */
export interface SshJump {
  host: string;
  port: number;
  username: string;
  /** PEM; without it, the SSH agent (SSH_AUTH_SOCK). */
  privateKey?: string | undefined;
}

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey: string;
  /** How long the connection may take (the instance's sshd may still be starting). */
  readyTimeoutMs?: number;
  via?: SshJump | undefined;
}

/** Runs shell scripts on the instance; never rejects for a script's own failure, only for a broken connection. */
export type SshSession = RemoteExec;

/** Caps what a check keeps of its output (a chatty command must not fill the record). */
const MAX_OUTPUT = 64 * 1024;

export async function connectSsh(target: SshTarget): Promise<SshSession> {
  const { Client } = (await import('ssh2')).default;
  const open = (client: InstanceType<typeof Client>, config: Record<string, unknown>) =>
    new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', reject);
      client.connect({ readyTimeout: target.readyTimeoutMs ?? 60_000, ...config });
    });
  let jump: InstanceType<typeof Client> | undefined;
  let sock: NodeJS.ReadableStream | undefined;
  if (target.via) {
    const via = target.via;
    jump = new Client();
    await open(jump, {
      host: via.host,
      port: via.port,
      username: via.username,
      ...(via.privateKey ? { privateKey: via.privateKey } : { agent: process.env.SSH_AUTH_SOCK }),
    });
    const through = jump;
    sock = await new Promise((resolve, reject) =>
      through.forwardOut('127.0.0.1', 0, target.host, target.port, (err, stream) =>
        err ? reject(err) : resolve(stream),
      ),
    );
  }
  const client = new Client();
  try {
    await open(client, {
      ...(sock ? { sock } : { host: target.host, port: target.port }),
      username: target.username,
      privateKey: target.privateKey,
    });
  } catch (err) {
    jump?.end();
    throw err;
  }
  return {
    run(script, timeoutMs) {
      const started = Date.now();
      return new Promise((resolve, reject) => {
        client.exec(`sh -c ${`'${script.replace(/'/g, `'\\''`)}'`}`, (err, stream) => {
          if (err) return reject(err);
          let stdout = '';
          let stderr = '';
          let timedOut = false;
          const timer = setTimeout(() => {
            timedOut = true;
            stream.close();
          }, timeoutMs);
          stream.on('data', (d: Buffer) => {
            if (stdout.length < MAX_OUTPUT) stdout += d.toString('utf8');
          });
          stream.stderr.on('data', (d: Buffer) => {
            if (stderr.length < MAX_OUTPUT) stderr += d.toString('utf8');
          });
          stream.on('close', (code: number | null) => {
            clearTimeout(timer);
            resolve({
              exitCode: timedOut ? null : (code ?? null),
              stdout,
              stderr,
              durationMs: Date.now() - started,
              timedOut,
            });
          });
        });
      });
    },
    close: () => {
      client.end();
      jump?.end();
    },
  };
}
