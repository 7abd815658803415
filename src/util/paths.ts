import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`sindri: package.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

/** The installed sindri package (works from src/ under type stripping and from dist/src/ alike). */
export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const schemasDir = join(packageRoot, 'schemas');
export const templatesDir = join(packageRoot, 'templates');
