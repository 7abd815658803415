/** An SSH channel joined to a real process in a sandbox instance, as sshd joins it to a shell. */
import type ssh2 from 'ssh2';
import { killGroup } from './namespaces.ts';
import type { Sandbox } from './sandbox.ts';

/** Where sshd's "Subsystem sftp" points in Debian's openssh-server. */
export const SFTP_SERVER = '/usr/lib/openssh/sftp-server';

/** Runs `command` for the channel: its stdin, stdout, stderr and exit status are the process's. */
export async function bridgeToSandbox(
  sandbox: Sandbox,
  instanceId: string,
  command: string,
  channel: ssh2.ServerChannel,
  onExit: (exitCode: number) => void,
): Promise<void> {
  let child: Awaited<ReturnType<Sandbox['spawn']>>;
  try {
    child = await sandbox.spawn(instanceId, command);
  } catch (err) {
    channel.stderr.write(`sandbox: ${(err as Error).message}\n`);
    channel.exit(255);
    channel.end();
    onExit(255);
    return;
  }
  channel.on('data', (d: Buffer) => child.stdin?.write(d));
  channel.on('end', () => child.stdin?.end());
  channel.on('close', () => killGroup(child));
  child.stdin?.on('error', () => {});
  child.stdout?.on('data', (d: Buffer) => channel.write(d));
  child.stderr?.on('data', (d: Buffer) => channel.stderr.write(d));
  child.on('close', (code, signal) => {
    const exitCode = code ?? 255;
    onExit(exitCode);
    if (signal) channel.exit(signal.replace(/^SIG/, ''), false, '');
    else channel.exit(exitCode);
    channel.end();
  });
}
