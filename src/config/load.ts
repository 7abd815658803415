import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { REGION_ENV_VARS } from '../cloud/region.ts';
import { catalogueNames } from './catalogue.ts';
import { checkEncryption, type Report } from './encryption-rules.ts';
import { ConfigError, type ConfigProblem } from './errors.ts';
import { readConfigText, STDIN_NAME } from './read.ts';
import { checkRegions } from './region-rules.ts';
import { validateSchema } from './schema.ts';
import { type ConfigOverrides, FLAG_SETTINGS, keyPath } from './settings.ts';
import { didYouMean } from './suggest.ts';
import type { SindriConfig } from './types.ts';
import { formatPath, type KeyPath, type ParsedYaml, parseYaml } from './yaml.ts';

export type { ConfigOverrides } from './settings.ts';
export { formatPath } from './yaml.ts';

export interface LoadedConfig {
  config: SindriConfig;
  /** Absolute path of the config file. */
  file: string;
  text: string;
  /** 1-based position of a key path in the file (a scalar's value, else its key). */
  locate(path: (string | number)[]): { line: number; column: number } | undefined;
  /** What is allowed but worth saying (a region not in sindri's list), located like problems. */
  warnings?: ConfigProblem[];
  /** Where a value came from: a flag (`--region`), a variable (`$ALICLOUD_REGION`), `file` or `default`. */
  origin(path: (string | number)[]): string;
}

export interface LoadOptions {
  configPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: ConfigOverrides;
}

export const DEFAULT_CONFIG_FILE = 'sindri.yaml';
export const DEFAULT_SOURCE_IMAGE = 'ubuntu_22_04_x64_20G_alibase_20240130.vhd';

const ALIBABA = ['providers', 'packer', 'alibaba'];
function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function getPath(root: unknown, path: KeyPath): unknown {
  let cur = root;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isPlainObject(cur)) cur = cur[String(seg)];
    else return undefined;
  }
  return cur;
}

/** Set a value, creating missing mappings; gives up (returns false) where the file has a non-mapping. */
function setPath(root: Record<string, unknown>, path: KeyPath, value: unknown): boolean {
  let cur: Record<string, unknown> = root;
  for (const seg of path.slice(0, -1)) {
    const key = String(seg);
    if (cur[key] === undefined || cur[key] === null) cur[key] = {};
    const next = cur[key];
    if (!isPlainObject(next)) return false;
    cur = next;
  }
  cur[String(path[path.length - 1])] = value;
  return true;
}

function pathKey(path: KeyPath): string {
  return path.map(String).join('\u0000');
}

export interface ResolveInput {
  text: string;
  /** File name shown in problems (as the user typed it, or relative to the working directory). */
  displayFile: string;
  /** Directory that relative paths in the config (scripts, files, user_data_file) are resolved against; omit to skip existence checks. */
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: ConfigOverrides;
}

export interface Resolved {
  config: SindriConfig;
  parsed: ParsedYaml;
  warnings: ConfigProblem[];
  /** See LoadedConfig.origin. */
  origin(path: KeyPath): string;
}

/**
 * Parse, merge (flags > file > environment > schema defaults), validate and default a config text.
 * Throws ConfigError with every problem found; never throws anything else for bad input.
 */
export function resolveConfig(input: ResolveInput): Resolved {
  const { text, displayFile } = input;
  const parsed = parseYaml(text);
  const at = (offset: number) => parsed.position(offset);
  if (parsed.issues.length > 0) {
    throw new ConfigError(
      parsed.issues.map((i) => {
        const pos = at(i.offset);
        return {
          file: displayFile,
          line: pos.line,
          column: pos.column,
          path: formatPath(parsed.pathAt(i.pathOffset ?? i.offset)),
          message: i.message,
          ...(i.hint ? { hint: i.hint } : {}),
        };
      }),
    );
  }

  const raw = parsed.data === null || parsed.data === undefined ? {} : parsed.data;
  const data: unknown = structuredClone(raw);
  const origins = new Map<string, string>();

  if (isPlainObject(data)) {
    const regionPath = [...ALIBABA, 'region'];
    if (getPath(data, regionPath) === undefined) {
      const env = input.env ?? {};
      const name = REGION_ENV_VARS.find((n) => (env[n] ?? '').trim() !== '');
      if (name && setPath(data, regionPath, (env[name] ?? '').trim()))
        origins.set(pathKey(regionPath), `$${name}`);
    }
    for (const { key, flag } of FLAG_SETTINGS) {
      const value = input.overrides?.[flag.name];
      if (value === undefined) continue;
      const path = keyPath(key);
      if (setPath(data, path, Array.isArray(value) ? [...value] : value))
        origins.set(pathKey(path), `--${flag.name}`);
    }
  }

  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const locateProblem = (path: KeyPath, message: string, hint: string | undefined, atKey = false) => {
    for (let n = path.length; n >= 0; n--) {
      const origin = origins.get(pathKey(path.slice(0, n)));
      if (origin) return { file: origin, path: formatPath(path), message, ...(hint ? { hint } : {}) };
    }
    const pos = parsed.locateNearest(path, atKey ? 'key' : 'auto');
    return {
      file: displayFile,
      line: pos.line,
      column: pos.column,
      path: formatPath(path),
      message,
      ...(hint ? { hint } : {}),
    };
  };
  const report: Report = (path, message, hint, atKey) =>
    problems.push(locateProblem(path, message, hint, atKey));
  const warn: Report = (path, message, hint, atKey) =>
    warnings.push(locateProblem(path, message, hint, atKey));

  for (const issue of validateSchema(data)) report(issue.path, issue.message, issue.hint, issue.atKey);
  if (isPlainObject(data)) semanticChecks(data, input.baseDir, report, warn);

  if (problems.length > 0) {
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    throw new ConfigError(problems);
  }
  const config = data as unknown as SindriConfig;
  config.providers.packer.image_name ??= config.name;
  const alibaba = config.providers.packer.alibaba;
  if (alibaba.source_image === undefined && alibaba.image_family === undefined) {
    alibaba.source_image = DEFAULT_SOURCE_IMAGE;
  }
  const origin = (path: KeyPath): string => {
    for (let n = path.length; n > 0; n--) {
      const set = origins.get(pathKey(path.slice(0, n)));
      if (set) return set;
    }
    return getPath(raw, path) === undefined ? 'default' : 'file';
  };
  return { config, parsed, warnings, origin };
}

/** Rules that need more than the schema: the catalogue, zone/region agreement, referenced files. */
function semanticChecks(
  data: Record<string, unknown>,
  baseDir: string | undefined,
  report: Report,
  warn: Report,
): void {
  const { extensions, profiles } = catalogueNames();
  const profile = getPath(data, ['extensions', 'profile']);
  if (typeof profile === 'string' && profile !== '' && !profiles.includes(profile)) {
    const guess = didYouMean(profile, profiles);
    report(
      ['extensions', 'profile'],
      `unknown profile "${profile}"; known profiles: ${profiles.join(', ')}`,
      guess ? `did you mean "${guess}"?` : undefined,
    );
  }
  const additional = getPath(data, ['extensions', 'additional']);
  if (Array.isArray(additional)) {
    additional.forEach((name, i) => {
      if (typeof name !== 'string' || name === '' || extensions.includes(name)) return;
      const guess = didYouMean(name, extensions);
      report(
        ['extensions', 'additional', i],
        `unknown extension "${name}"; known extensions: ${extensions.join(', ')}`,
        guess ? `did you mean "${guess}"?` : undefined,
      );
    });
  }

  checkRegions((path) => getPath(data, path), report, warn);
  checkEncryption((path) => getPath(data, path), report);

  if (baseDir === undefined) return;
  const mustExist = (path: KeyPath, what: string) => {
    const value = getPath(data, path);
    if (typeof value !== 'string' || value === '') return;
    const full = isAbsolute(value) ? value : resolve(baseDir, value);
    let ok = false;
    try {
      ok = statSync(full).isFile();
    } catch {
      ok = false;
    }
    if (!ok)
      report(
        path,
        `${what} "${value}" not found (looked for ${full})`,
        'paths are relative to the config file',
      );
  };
  const scripts = getPath(data, ['providers', 'packer', 'build', 'scripts']);
  if (Array.isArray(scripts)) {
    for (let i = 0; i < scripts.length; i++)
      mustExist(['providers', 'packer', 'build', 'scripts', i], 'script');
  }
  const files = getPath(data, ['providers', 'packer', 'build', 'files']);
  if (Array.isArray(files)) {
    for (let i = 0; i < files.length; i++)
      mustExist(['providers', 'packer', 'build', 'files', i, 'source'], 'file');
  }
  mustExist([...ALIBABA, 'user_data_file'], 'user data file');
}

function displayName(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/**
 * Find, read and validate the configuration: `configPath` (from `--config`), else `./sindri.yaml`.
 * Precedence: overrides (flags) > file > environment (region) > schema defaults.
 */
export async function loadConfig(opts: LoadOptions = {}): Promise<LoadedConfig> {
  const cwd = opts.cwd ?? process.cwd();
  const stdin = opts.configPath === '-';
  const file = stdin ? STDIN_NAME : resolve(cwd, opts.configPath ?? DEFAULT_CONFIG_FILE);
  const shown = stdin ? STDIN_NAME : displayName(file, cwd);
  const text = await readConfigText(stdin ? '-' : file, shown, opts.configPath !== undefined);
  const { config, parsed, warnings, origin } = resolveConfig({
    text,
    displayFile: shown,
    // Paths in a configuration read from stdin are relative to the working directory.
    baseDir: stdin ? cwd : dirname(file),
    env: opts.env ?? process.env,
    ...(opts.overrides ? { overrides: opts.overrides } : {}),
  });
  return { config, file, text, locate: (path) => parsed.locate(path), warnings, origin };
}

/**
 * For commands where the file is optional (list, delete, deploy, doctor, ...): `--config FILE` must
 * exist; `./sindri.yaml` is used only when present.
 */
export async function loadOptionalConfig(opts: LoadOptions = {}): Promise<LoadedConfig | undefined> {
  const cwd = opts.cwd ?? process.cwd();
  if (opts.configPath === undefined && !existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))) return undefined;
  return loadConfig({ ...opts, cwd });
}
