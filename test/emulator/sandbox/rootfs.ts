/** Where the base root filesystem of sandbox instances is, and why it is not there when it is not. */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Kept in step with scripts/sandbox-rootfs.mjs, which builds it (`node scripts/setup.mjs sandbox`). */
export const SANDBOX_SUITE = 'trixie';
const MARKER = '.sindri-rootfs';

export class SandboxUnavailableError extends Error {
  constructor(reason: string) {
    super(`the emulator's sandbox instances are unavailable: ${reason}`);
    this.name = 'SandboxUnavailableError';
  }
}

export function sandboxRootfsDir(): string {
  if (process.env.SINDRI_SANDBOX_ROOTFS) return process.env.SINDRI_SANDBOX_ROOTFS;
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'sindri', `rootfs-${SANDBOX_SUITE}`);
}

/** The base rootfs, or SandboxUnavailableError saying why the setup script could not build it. */
export function requireBaseRootfs(dir = sandboxRootfsDir()): string {
  if (process.getuid?.() !== 0)
    throw new SandboxUnavailableError('they need root (mount namespaces, chroot)');
  if (existsSync(join(dir, MARKER))) return dir;
  let reason = `no base root filesystem in ${dir}; run \`node scripts/setup.mjs sandbox\``;
  try {
    reason = `${readFileSync(`${dir}.unavailable`, 'utf8').trim()} (setup wrote this in ${dir}.unavailable)`;
  } catch {
    /* never attempted */
  }
  throw new SandboxUnavailableError(reason);
}
