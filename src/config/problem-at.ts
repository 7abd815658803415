import { isAbsolute, relative } from 'node:path';
import type { ConfigProblem } from './errors.ts';
import type { LoadedConfig } from './load.ts';
import type { KeyPath } from './yaml.ts';

/** `providers.packer.build.files[1].source` → ['providers', 'packer', 'build', 'files', 1, 'source']. */
export function parseKeyPath(path: string): KeyPath {
  const parts: KeyPath = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) parts.push(Number(match[2]));
    else if (match[1] !== undefined) parts.push(match[1]);
  }
  return parts;
}

/**
 * A problem located at a key of the loaded file; when the key is not written in the file (a default),
 * the nearest written ancestor gives the position.
 */
export function problemAt(loaded: LoadedConfig, path: string, message: string, hint?: string): ConfigProblem {
  const rel = relative(process.cwd(), loaded.file);
  const file = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : loaded.file;
  const keys = parseKeyPath(path);
  for (let n = keys.length; n > 0; n--) {
    const at = loaded.locate(keys.slice(0, n));
    if (at) return { file, line: at.line, column: at.column, path, message, ...(hint ? { hint } : {}) };
  }
  return { file, path, message, ...(hint ? { hint } : {}) };
}
