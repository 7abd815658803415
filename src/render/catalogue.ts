import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExtensionSource } from '../config/types.ts';
import { templatesDir } from '../util/paths.ts';

export interface CatalogueExtension {
  description: string;
  /** What each source installs; at least one of them. */
  sources: Partial<Record<ExtensionSource, string>>;
  /** Why there is no distro source. */
  no_distro?: string;
  /** The test stage's check: a command that exits 0 on an image with the extension. */
  check?: string;
}

export interface Catalogue {
  extensions: Record<string, CatalogueExtension>;
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

export interface SourceFinding {
  path: string;
  message: string;
}

/** `SINDRI_EXTENSION_SOURCE_DOCKER` for `docker`. */
export function sourceVariable(extension: string): string {
  return `SINDRI_EXTENSION_SOURCE_${extension.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * Each installed extension's source: `sources[name]`, else `source`, else upstream. An extension with
 * only a distro source uses it; `distro` for one without fails, with the catalogue's reason.
 */
export function resolveSources(
  catalogue: Catalogue,
  installed: string[],
  setting: { source?: ExtensionSource; sources?: Record<string, ExtensionSource> },
): { sources: Map<string, ExtensionSource>; findings: SourceFinding[] } {
  const findings: SourceFinding[] = [];
  const perExtension = setting.sources ?? {};
  for (const name of Object.keys(perExtension)) {
    if (!Object.hasOwn(catalogue.extensions, name))
      findings.push({
        path: `extensions.sources.${name}`,
        message: `unknown extension "${name}" (known: ${Object.keys(catalogue.extensions).join(', ')})`,
      });
  }
  const sources = new Map<string, ExtensionSource>();
  for (const name of installed) {
    const entry = catalogue.extensions[name];
    if (!entry) continue;
    const explicit = Object.hasOwn(perExtension, name);
    const wanted = (explicit ? perExtension[name] : setting.source) ?? 'upstream';
    if (entry.sources[wanted] !== undefined) sources.set(name, wanted);
    else if (wanted === 'upstream' && entry.sources.distro !== undefined) sources.set(name, 'distro');
    else
      findings.push({
        path: explicit ? `extensions.sources.${name}` : 'extensions.source',
        message: `extension "${name}" has no ${wanted} source${entry.no_distro ? `: ${entry.no_distro}` : ''}; choose upstream for it (extensions.sources.${name}: upstream)`,
      });
  }
  return { sources, findings };
}
