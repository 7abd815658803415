/**
 * Running commands on an instance over SSH (the test stage's checks), with the official-enough
 * `ssh2` client, loaded only when a test stage runs.
 */
export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey: string;
  /** How long the connection may take (the instance's sshd may still be starting). */
  readyTimeoutMs?: number;
}

export interface SshSession {
  /** Runs a shell script; never rejects for the script's own failure, only for a broken connection. */
  run(
    script: string,
    timeoutMs: number,
  ): Promise<{
    exitCode: number | null;
    stdout: string;
    stderr: string;
    durationMs: number;
    timedOut: boolean;
  }>;
  close(): void;
}

/** Caps what a check keeps of its output (a chatty command must not fill the record). */
const MAX_OUTPUT = 64 * 1024;

export async function connectSsh(target: SshTarget): Promise<SshSession> {
  const { Client } = (await import('ssh2')).default;
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.connect({
      host: target.host,
      port: target.port,
      username: target.username,
      privateKey: target.privateKey,
      readyTimeout: target.readyTimeoutMs ?? 60_000,
    });
  });
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
    close: () => client.end(),
  };
}
