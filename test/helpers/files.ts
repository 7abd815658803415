import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file below a directory, recursively (for scans of what a command wrote). */
export function filesBelow(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesBelow(path) : [path];
  });
}
