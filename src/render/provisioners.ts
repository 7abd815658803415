/**
 * What the template runs on the build instance, in order: the base set-up and the Sindri CLI, the
 * extensions, the user's uploads (build.files) and scripts (build.scripts), hardening, the clean-up.
 * Catalogue scripts come from templates/scripts; the user's from beside sindri.yaml.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { BuildConfig } from '../config/types.ts';
import { templatesDir } from '../util/paths.ts';
import { hashPath } from './hash.ts';
import { mirrorSet } from './mirrors.ts';
import { RenderError } from './render-error.ts';

export type Provisioner =
  | { type: 'shell'; comment: string; scripts: string[] }
  | { type: 'file'; comment: string; source: string; destination: string }
  /** A `cloud-assistant` build: a `shell-local` provisioner that runs sindri's helper. */
  | { type: 'local'; comment: string; inline: string[] };

/** Where uploaded files wait on the build instance before 40-files.sh moves them into place. */
export const STAGING_DIR = '/tmp/sindri-upload';

const scriptCache = new Map<string, Promise<string>>();
function catalogueScript(rel: string): Promise<string> {
  let p = scriptCache.get(rel);
  if (!p) {
    p = readFile(join(templatesDir, 'scripts', rel), 'utf8');
    scriptCache.set(rel, p);
  }
  return p;
}

function safeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return cleaned.length > 0 ? cleaned.slice(0, 80) : 'script';
}

export interface Uploads {
  /** One `file` provisioner per upload, to its own staging path. */
  provisioners: Provisioner[];
  /** Relative path in the template directory → absolute source (see RenderedTemplate.copies). */
  copies: Map<string, string>;
  /** Each upload's content digest, in upload order (part of the configuration hash). */
  digests: string[];
  /** SINDRI_FILE_<n>_DEST and _KIND: where 40-files.sh moves each upload, as root. */
  environment: string[];
}

/** build.files: each goes to its own staging path, then 40-files.sh moves it to its destination as root. */
export async function readUploads(build: BuildConfig, configDir: string): Promise<Uploads> {
  const uploads: Uploads = { provisioners: [], copies: new Map(), digests: [], environment: [] };
  for (const [i, f] of build.files.entries()) {
    const source = resolve(configDir, f.source);
    let isDir: boolean;
    try {
      isDir = (await stat(source)).isDirectory();
    } catch {
      throw new RenderError([
        {
          severity: 'error',
          path: `providers.packer.build.files.${i}.source`,
          message: `${source} does not exist.`,
        },
      ]);
    }
    uploads.digests.push(await hashPath(source));
    // Copied into the template directory, so the template names it by a relative path that does not
    // depend on where the configuration lives (and the hash stays the same across checkouts).
    const rel = `uploads/${i}`;
    uploads.copies.set(rel, source);
    uploads.provisioners.push({
      type: 'file',
      comment: `build.files[${i}]`,
      // A trailing slash uploads a directory's contents into the staging directory.
      source: isDir ? `${rel}/` : rel,
      destination: `${STAGING_DIR}/${i}`,
    });
    uploads.environment.push(
      `SINDRI_FILE_${i}_DEST=${f.destination}`,
      `SINDRI_FILE_${i}_KIND=${isDir ? 'dir' : 'file'}`,
    );
  }
  return uploads;
}

/** build.scripts, added to `files` as scripts/user/<nn>-<name>; returns their paths in order. */
export async function readUserScripts(
  build: BuildConfig,
  configDir: string,
  files: Map<string, string>,
): Promise<string[]> {
  const userScripts: string[] = [];
  for (const [i, s] of build.scripts.entries()) {
    const abs = resolve(configDir, s);
    let content: string;
    try {
      content = await readFile(abs, 'utf8');
    } catch {
      throw new RenderError([
        { severity: 'error', path: `providers.packer.build.scripts.${i}`, message: `cannot read ${abs}.` },
      ]);
    }
    const rel = `scripts/user/${String(i + 1).padStart(2, '0')}-${safeName(basename(s))}`;
    files.set(rel, content);
    userScripts.push(rel);
  }
  return userScripts;
}

/**
 * The provisioners in order: base, the Sindri CLI, extensions, uploads, user scripts, hardening, cleanup.
 * Adds each catalogue script it names to `files`.
 */
export async function provisionersInOrder(
  build: BuildConfig,
  extensions: string[],
  uploads: Provisioner[],
  userScripts: string[],
  files: Map<string, string>,
): Promise<Provisioner[]> {
  const provisioners: Provisioner[] = [];
  const addScripts = async (comment: string, rels: string[]): Promise<void> => {
    const out: string[] = [];
    for (const rel of rels) {
      files.set(`scripts/${rel}`, await catalogueScript(rel));
      out.push(`scripts/${rel}`);
    }
    provisioners.push({ type: 'shell', comment, scripts: out });
  };

  const mirrors = mirrorSet(build) !== undefined;
  await addScripts(
    `Base set-up: cloud-init, ${mirrors ? 'package mirrors, ' : ''}updates, base packages, the Sindri CLI`,
    ['00-wait-cloud-init.sh', ...(mirrors ? ['05-mirrors.sh'] : []), '10-base.sh', '20-sindri.sh'],
  );
  if (extensions.length > 0) {
    await addScripts(
      `Extensions: ${extensions.join(', ')}`,
      extensions.map((e) => `extensions/${e}.sh`),
    );
  }
  if (uploads.length > 0) {
    provisioners.push(...uploads);
    await addScripts('Move uploaded files into place', ['40-files.sh']);
  }
  if (userScripts.length > 0)
    provisioners.push({ type: 'shell', comment: 'User scripts', scripts: userScripts });
  if (build.security.cis_hardening) await addScripts('CIS level 1 hardening', ['80-cis-hardening.sh']);
  const restore = mirrors && build.mirrors_in_image === 'restore';
  await addScripts(restore ? "Cleanup: the image's own package sources back, then the clean-up" : 'Cleanup', [
    ...(restore ? ['85-mirrors-restore.sh'] : []),
    '90-cleanup.sh',
  ]);
  return provisioners;
}
