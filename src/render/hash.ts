import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KEYS_OUTSIDE_HASH, keyPath } from '../config/settings.ts';

/** JSON with object keys sorted at every level; `undefined` members are left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

/** sha256 of a file, or of a directory tree (relative names, kinds and contents, in sorted order). */
export async function hashPath(path: string): Promise<string> {
  const h = createHash('sha256');
  async function walk(p: string, rel: string): Promise<void> {
    const s = await stat(p);
    if (s.isDirectory()) {
      h.update(`d\0${rel}\0`);
      const names = (await readdir(p)).sort();
      for (const n of names) await walk(join(p, n), rel ? `${rel}/${n}` : n);
    } else {
      const data = await readFile(p);
      h.update(`f\0${rel}\0${data.length}\0${(s.mode & 0o111) !== 0 ? 'x' : '-'}\0`);
      h.update(data);
    }
  }
  await walk(path, '');
  return h.digest('hex');
}

/**
 * The configuration as far as it decides the image: how sindri reaches the cloud (KEYS_OUTSIDE_HASH:
 * credentials profile, endpoints) does not, so changing it keeps the cache.
 */
export function hashableConfig<T extends object>(config: T): T {
  const copy = structuredClone(config);
  for (const key of KEYS_OUTSIDE_HASH) {
    const path = keyPath(key);
    const name = path.pop() as string;
    let parent: unknown = copy;
    for (const segment of path) parent = (parent as Record<string, unknown> | undefined)?.[segment];
    if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[name];
  }
  return copy;
}

export interface HashInputs {
  config: unknown;
  /** Every rendered file (the main template rendered with an empty hash), by relative path. */
  files: ReadonlyMap<string, string>;
  /** Digests of the local files the template uploads, in upload order. */
  uploads: readonly string[];
}

/**
 * The configuration hash: what the image is made of. The build ID is not an input, so rendering the same
 * configuration twice gives the same hash (the cache key), and the build ID reaches the image only
 * through the template's build_id variable.
 */
export function computeConfigHash(inputs: HashInputs): string {
  const h = createHash('sha256');
  h.update('sindri-config-hash/1\n');
  h.update(canonicalJson(inputs.config));
  h.update('\n');
  for (const path of [...inputs.files.keys()].sort()) {
    const content = Buffer.from(inputs.files.get(path) as string, 'utf8');
    h.update(`file\0${path}\0${content.length}\0`);
    h.update(content);
  }
  inputs.uploads.forEach((digest, i) => {
    h.update(`upload\0${i}\0${digest}\n`);
  });
  return h.digest('hex');
}
