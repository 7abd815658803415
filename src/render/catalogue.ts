import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { templatesDir } from '../util/paths.ts';

export interface Catalogue {
  extensions: Record<
    string,
    { description: string /** The test stage's check: a command that exits 0. */; check?: string }
  >;
  profiles: Record<string, string[]>;
}

let cached: Promise<Catalogue> | undefined;

/** templates/catalogue.yaml, read once per process. */
export function loadCatalogue(): Promise<Catalogue> {
  cached ??= (async () => {
    const { parse } = await import('yaml');
    const raw = parse(await readFile(join(templatesDir, 'catalogue.yaml'), 'utf8')) as Partial<Catalogue>;
    return { extensions: raw.extensions ?? {}, profiles: raw.profiles ?? {} };
  })();
  return cached;
}

export class UnknownExtensionError extends Error {
  readonly path: string;
  constructor(message: string, path: string) {
    super(message);
    this.name = 'UnknownExtensionError';
    this.path = path;
  }
}

/**
 * The extensions a build installs: the profile's, then `additional`, each once, in that order.
 * Throws UnknownExtensionError naming the key path for an unknown profile or extension.
 */
export function resolveExtensions(
  catalogue: Catalogue,
  extensions: { profile?: string; additional: string[] },
): string[] {
  const out: string[] = [];
  if (extensions.profile !== undefined) {
    const list = catalogue.profiles[extensions.profile];
    if (!list) {
      throw new UnknownExtensionError(
        `unknown profile "${extensions.profile}" (known: ${Object.keys(catalogue.profiles).join(', ')})`,
        'extensions.profile',
      );
    }
    out.push(...list);
  }
  extensions.additional.forEach((name, i) => {
    if (!Object.hasOwn(catalogue.extensions, name)) {
      throw new UnknownExtensionError(
        `unknown extension "${name}" (known: ${Object.keys(catalogue.extensions).join(', ')})`,
        `extensions.additional.${i}`,
      );
    }
    out.push(name);
  });
  return [...new Set(out)];
}
