import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { SindriError } from '../errors.ts';

export interface PackerBinary {
  path: string;
  /** "1.6.6" */
  version: string;
}

/** The environment every packer process gets from sindri on top of the caller's: no update check. */
export const PACKER_BASE_ENV = { CHECKPOINT_DISABLE: '1' } as const;

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const s = await stat(path);
    if (!s.isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `packer` on PATH (or the file named by SINDRI_PACKER), resolved without running a shell. */
export async function whichPacker(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const override = env.SINDRI_PACKER;
  if (override) return (await isExecutableFile(override)) ? override : undefined;
  const names = process.platform === 'win32' ? ['packer.exe'] : ['packer'];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    for (const name of names) {
      const candidate = join(dir, name);
      if (await isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The version in `packer version` / `packer --version` output: "Packer v1.6.6", "1.11.2". */
export function parsePackerVersion(output: string): string | undefined {
  const m = /(?:^|\s|v)(\d+\.\d+\.\d+)(?:[-+][0-9A-Za-z.-]+)?/m.exec(output);
  return m?.[1];
}

/** Finds packer and asks it for its version. Undefined when there is no usable packer. */
export async function findPacker(env: NodeJS.ProcessEnv = process.env): Promise<PackerBinary | undefined> {
  const path = await whichPacker(env);
  if (!path) return undefined;
  const { execa } = await import('execa');
  try {
    const r = await execa(path, ['version'], {
      env: { ...env, ...PACKER_BASE_ENV },
      extendEnv: false,
      reject: false,
      timeout: 30_000,
      stdin: 'ignore',
    });
    const version = parsePackerVersion(`${r.stdout}\n${r.stderr}`);
    return version ? { path, version } : undefined;
  } catch {
    return undefined;
  }
}

/** Compares dotted versions numerically: -1, 0 or 1. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.+-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * Packer 1.7 introduced `packer { required_plugins {...} }` and moved alicloud-ecs into a plugin;
 * 1.6.x (Debian's 1.6.6) rejects the block and has the builder built in.
 */
export function packerSupportsRequiredPlugins(version: string): boolean {
  return compareVersions(version, '1.7.0') >= 0;
}

/** How to get packer, for the CLI to print when findPacker returns undefined. */
export const PACKER_INSTALL_HINT =
  'Install HashiCorp Packer: Debian/Ubuntu `sudo apt-get install -y packer` (1.6.6, alicloud-ecs built in), macOS `brew install hashicorp/tap/packer`, or see https://developer.hashicorp.com/packer/install. Packer >= 1.7 also needs `packer init` for the alicloud plugin.';

/**
 * Why no packer was found, in a sentence: the file SINDRI_PACKER names (missing, not a file, not
 * executable, or not answering `packer version`), else PATH.
 */
export async function packerMissingReason(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const override = env.SINDRI_PACKER;
  if (!override) return 'packer was not found on PATH';
  let why: string;
  try {
    const s = await stat(override);
    if (!s.isFile()) why = 'is not a file';
    else {
      try {
        await access(override, constants.X_OK);
        why = 'did not answer `packer version` with a version';
      } catch {
        why = 'is not executable';
      }
    }
  } catch {
    why = 'does not exist';
  }
  return `SINDRI_PACKER=${override} ${why}`;
}

/** The packer to run: `findPacker`, or an error naming what was looked for and how to install it. */
export async function requirePacker(env: NodeJS.ProcessEnv = process.env): Promise<PackerBinary> {
  const packer = await findPacker(env);
  if (!packer) {
    const reason = await packerMissingReason(env);
    throw new SindriError(`${reason}.`, {
      actions: env.SINDRI_PACKER
        ? [
            `point SINDRI_PACKER at the packer executable, or unset it to use packer from PATH`,
            PACKER_INSTALL_HINT,
          ]
        : [PACKER_INSTALL_HINT],
      code: 'PackerNotFound',
    });
  }
  return packer;
}

/** The packer version templates are rendered for when no packer is installed (`template`): 1.7+ layout. */
export const RENDER_WITHOUT_PACKER: PackerBinary = { path: '', version: '1.11.2' };
