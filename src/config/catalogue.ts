import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { templatesDir } from '../util/paths.ts';

export interface CatalogueNames {
  extensions: string[];
  profiles: string[];
}

let cached: CatalogueNames | undefined;

/** Extension and profile names from templates/catalogue.yaml (read once, on first use). */
export function catalogueNames(): CatalogueNames {
  if (!cached) {
    const doc = parse(readFileSync(join(templatesDir, 'catalogue.yaml'), 'utf8')) as {
      extensions?: Record<string, unknown>;
      profiles?: Record<string, unknown>;
    };
    cached = { extensions: Object.keys(doc?.extensions ?? {}), profiles: Object.keys(doc?.profiles ?? {}) };
  }
  return cached;
}
