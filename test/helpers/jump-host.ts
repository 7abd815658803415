/**
 * A bastion for ssh-private tests: an SSH server on 127.0.0.1 that accepts one key and forwards
 * `direct-tcpip` channels (what `ssh -J` and packer's ssh_bastion_* open) to their destination,
 * counting them.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import ssh2 from 'ssh2';

export interface JumpHost {
  port: number;
  username: string;
  /** PEM of the key the bastion accepts. */
  privateKey: string;
  /** Destinations of the channels it forwarded (`127.0.0.1:2222`). */
  forwarded: string[];
  close(): Promise<void>;
}

export async function startJumpHost(username = 'jump'): Promise<JumpHost> {
  const host = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs1',
    format: 'pem',
  });
  const client = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKey = client.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  const allowed = ssh2.utils.parseKey(privateKey);
  if (allowed instanceof Error) throw allowed;
  const forwarded: string[] = [];
  const server = new ssh2.Server({ hostKeys: [host as string] }, (conn) => {
    conn.on('error', () => {});
    conn.on('authentication', (ctx) => {
      if (
        ctx.method === 'publickey' &&
        ctx.username === username &&
        ctx.key.data.equals(allowed.getPublicSSH()) &&
        (!ctx.signature || !ctx.blob || allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true)
      ) {
        // ssh2 answers a key query with the key type; Go's client wants the algorithm it asked for.
        if (ctx.key.algo === 'ssh-rsa' && ctx.hashAlgo === 'sha256') ctx.key.algo = 'rsa-sha2-256';
        if (ctx.key.algo === 'ssh-rsa' && ctx.hashAlgo === 'sha512') ctx.key.algo = 'rsa-sha2-512';
        return ctx.accept();
      }
      ctx.reject(['publickey']);
    });
    conn.on('ready', () => {
      conn.on('tcpip', (accept, _reject, info) => {
        forwarded.push(`${info.destIP}:${info.destPort}`);
        const channel = accept();
        const socket = connect(info.destPort, info.destIP);
        socket.on('error', () => channel.close());
        channel.on('error', () => socket.destroy());
        channel.pipe(socket).pipe(channel);
      });
      conn.on('session', (acceptSession) => acceptSession().on('exec', (accept) => accept().exit(1)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    username,
    privateKey,
    forwarded,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
