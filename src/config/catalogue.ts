import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { templatesDir } from '../util/paths.ts';

export interface CatalogueNames {
  extensions: string[];
  profiles: string[];
  /** Each profile's extensions. */
  members: Record<string, string[]>;
  /** Each extension's check for the test stage (a command that exits 0). */
  checks: Record<string, string>;
}

let cached: CatalogueNames | undefined;

/** Extension and profile names from templates/catalogue.yaml (read once, on first use). */
export function catalogueNames(): CatalogueNames {
  if (!cached) {
    const doc = parse(readFileSync(join(templatesDir, 'catalogue.yaml'), 'utf8')) as {
      extensions?: Record<string, { check?: string } | null>;
      profiles?: Record<string, string[]>;
    };
    const extensions = doc?.extensions ?? {};
    cached = {
      extensions: Object.keys(extensions),
      profiles: Object.keys(doc?.profiles ?? {}),
      members: { ...doc?.profiles },
      checks: Object.fromEntries(
        Object.entries(extensions).flatMap(([name, e]) => (e?.check ? [[name, e.check]] : [])),
      ),
    };
  }
  return cached;
}

/** The extensions a configuration installs, in order: the profile's, then `additional`, each once. */
export function installedExtensions(extensions: { profile?: string; additional: string[] }): string[] {
  const { members } = catalogueNames();
  return [
    ...new Set([
      ...(extensions.profile ? (members[extensions.profile] ?? []) : []),
      ...extensions.additional,
    ]),
  ];
}
