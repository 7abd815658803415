/**
 * The SSH side of `sindri packer deploy`: the public key it imports as a key pair (named by the key,
 * so the same key is imported once) and the ssh command it prints.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type CloudClients, CloudError } from '../cloud/index.ts';
import { UsageError } from '../errors.ts';

/** An OpenSSH public key line: type, base64 blob, optional comment. */
export function parsePublicKey(text: string): { type: string; blob: Buffer; line: string } {
  const line = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.length > 0 && !l.startsWith('#'));
  const m = line
    ? /^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521))\s+([A-Za-z0-9+/]+=*)(?:\s.*)?$/.exec(line)
    : null;
  if (!m || !line) {
    throw new UsageError(
      'The --ssh-public-key file is not an OpenSSH public key.',
      'pass the .pub file, e.g. --ssh-public-key ~/.ssh/id_ed25519.pub',
    );
  }
  const blob = Buffer.from(m[2] as string, 'base64');
  // The blob starts with the length-prefixed key type; a mismatch means a damaged key.
  const typeLen = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  if (blob.subarray(4, 4 + typeLen).toString() !== m[1]) {
    throw new UsageError(
      'The --ssh-public-key file holds a damaged key.',
      'regenerate it with ssh-keygen -y',
    );
  }
  return { type: m[1] as string, blob, line: `${m[1]} ${m[2]}` };
}

/** The key pair name for an imported public key: the same key always gets the same name. */
export function keyPairNameFor(blob: Buffer): string {
  return `sindri-${createHash('sha256').update(blob).digest('hex').slice(0, 20)}`;
}

/** `~/.ssh/id_ed25519.pub` → `~/.ssh/id_ed25519` (the private key next to it, by convention). */
export function privateKeyPath(publicKeyFile: string | undefined): string | undefined {
  if (!publicKeyFile) return undefined;
  return publicKeyFile.endsWith('.pub') ? publicKeyFile.slice(0, -4) : undefined;
}

export function sshCommand(
  ip: string | undefined,
  user: string,
  keyFile: string | undefined,
): string | undefined {
  if (!ip) return undefined;
  return `ssh ${keyFile ? `-i ${keyFile} ` : ''}${user}@${ip}`;
}
/** The key pair for a public key file: imported (tagged) unless a key pair of its name exists. */
export async function ensureImportedKey(
  clients: CloudClients,
  region: string,
  file: string,
  tags: Array<{ key: string; value: string }>,
): Promise<{ name: string; imported: boolean }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `Cannot read --ssh-public-key ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
  const key = parsePublicKey(text);
  const name = keyPairNameFor(key.blob);
  const existing = await clients.call('ecs', 'DescribeKeyPairs', { regionId: region, keyPairName: name });
  if ((existing.keyPairs?.keyPair ?? []).some((k) => k.keyPairName === name))
    return { name, imported: false };
  try {
    await clients.call('ecs', 'ImportKeyPair', {
      regionId: region,
      keyPairName: name,
      publicKeyBody: key.line,
      tag: tags as never,
    });
    return { name, imported: true };
  } catch (err) {
    // Another run imported the same key meanwhile: the name says it is the same key.
    if (err instanceof CloudError && err.code === 'KeyPair.AlreadyExist') return { name, imported: false };
    throw err;
  }
}
