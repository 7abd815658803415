/**
 * Loads one of sindri's bundles (dist/cli.cjs, dist/sdk.cjs) as a CommonJS module with a V8 code cache
 * made after the code has run.
 *
 * Node's compile cache (module.enableCompileCache) stores what V8 compiled before a file ran, which for
 * a bundle is little more than its top level: every function a command then calls is compiled again
 * on every start. V8 can also serialise the code after it ran (`Script.createCachedData`), with every
 * function compiled so far; with that cache a bundle's start costs about half (bench/cli-floor.ts).
 *
 * The cache lives beside Node's own, in the directory of the compile cache, so it is on, off or moved
 * by the same settings (NODE_COMPILE_CACHE, NODE_DISABLE_COMPILE_CACHE). It is written at the exit of a
 * run that had none or had one V8 refused (another Node.js, another bundle), and again by a run that
 * used a part of the bundle the cache was not made with (a command, an SDK product: noteCodeCacheUse),
 * so that it holds the code of every command run, whichever ran first; it keeps what it held, since
 * what V8 read from it counts as compiled. Writing it also removes the caches of earlier builds of the
 * file, and those of the bundle's name not written for a week (other installs). A run that cannot read
 * or write it loads the bundle without it; V8 checks the cache
 * against the source and the engine and refuses one that does not match, which only costs that run
 * the compilation.
 */
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import Module, { createRequire, getCompileCacheDir } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

interface CommonJsModule {
  exports: unknown;
  filename: string;
  loaded: boolean;
}
type ModuleConstructor = {
  new (id: string): CommonJsModule;
  wrap(source: string): string;
  _cache: Record<string, CommonJsModule>;
};

const IMPORT = Symbol.for('sindri.import');
const WEEK_MS = 7 * 24 * 3600 * 1000;
/** The parts of each bundle loaded with a cache that this run used (noteCodeCacheUse). */
const usedParts = new Map<string, Set<string>>();

/** A part of a bundle this run uses (a command's ID, an SDK product); one the cache lacks gets it rewritten. */
export function noteCodeCacheUse(file: string, part: string): void {
  usedParts.get(file)?.add(part);
}

/** The parts a cache was made with, listed beside it (`<cache>.uses`, a line each). */
function partsOf(cacheFile: string): Set<string> {
  try {
    return new Set(readFileSync(`${cacheFile}.uses`, 'utf8').split('\n').filter(Boolean));
  } catch {
    return new Set();
  }
}

/**
 * After a cache is written: the caches of earlier builds of the same file run the same way (same
 * prefix), and any cache of this bundle's name not written for a week (other installs, other ways).
 */
function prune(dir: string, bundle: string, same: string, written: string): void {
  for (const name of readdirSync(dir)) {
    if (name === written || name === `${written}.uses` || !name.startsWith(`${bundle}-`)) continue;
    const path = join(dir, name);
    if (name.startsWith(same) || statSync(path).mtimeMs < Date.now() - WEEK_MS) rmSync(path, { force: true });
  }
}

/** The bundle's exports, or undefined when there is no compile cache directory (the caller requires it). */
export function requireWithCodeCache(file: string): unknown {
  const dir = getCompileCacheDir?.();
  const CjsModule = Module as unknown as ModuleConstructor;
  if (!dir) return undefined;
  const loaded = CjsModule._cache[file];
  if (loaded) return loaded.exports;
  // The file's content and its identity from one open file, so that a file replaced meanwhile cannot
  // get the other's cache.
  const fd = openSync(file, 'r');
  let bytes: Buffer;
  let stat: ReturnType<typeof fstatSync>;
  try {
    bytes = readFileSync(fd);
    stat = fstatSync(fd);
  } finally {
    closeSync(fd);
  }
  // Keyed by the Node.js that compiles it, its options (V8 refuses a cache made under other flags, and
  // two ways of running would rewrite one file in turn), and the file: npm gives every file it installs
  // the same modification time, but the change time and the inode are the system's, new when written.
  const { dev, ino, size, mtimeMs, ctimeMs } = stat;
  const short = (text: string) => createHash('sha1').update(text).digest('hex').slice(0, 12);
  const flags = short(`${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`);
  // One cache per file and way of running: a new build of the file replaces the earlier one's.
  const same = `${basename(file)}-${short(file)}-${flags}-`;
  const cacheFile = join(
    dir,
    'sindri',
    `${same}${[process.version, process.arch, dev, ino, size, mtimeMs, ctimeMs].join('-')}.v8`,
  );
  // The bundles are ASCII but for a few characters in regular expressions; latin1 reads ASCII faster.
  const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // A vm script's own `import()` needs an experimental option; the bundles import through this instead
  // (scripts/build-cli.ts). The packages they import are this package's, found from here as from there.
  (globalThis as Record<symbol, unknown>)[IMPORT] ??= (specifier: string) => import(specifier);
  const script = new Script(CjsModule.wrap(source), {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  const mod = new CjsModule(file);
  mod.filename = file;
  // Registered before it runs, as require does, so that `import()` of the same file (oclif loading the
  // commands) gets this instance.
  CjsModule._cache[file] = mod;
  try {
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    wrapper.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  } catch (err) {
    delete CjsModule._cache[file];
    throw err;
  }
  mod.loaded = true;
  const fresh = !cachedData || script.cachedDataRejected === true;
  const madeWith = fresh ? new Set<string>() : partsOf(cacheFile);
  const used = new Set<string>();
  usedParts.set(file, used);
  process.once('exit', () => {
    const added = [...used].filter((p) => !madeWith.has(p));
    if (!fresh && added.length === 0) return;
    try {
      // Owner only, as Node's own cache (whose directory is per user).
      mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
      accessSync(dirname(cacheFile), constants.W_OK);
      const write = (target: string, data: string | Buffer) => {
        const partial = `${target}.${process.pid}`;
        writeFileSync(partial, data, { mode: 0o600 });
        renameSync(partial, target);
      };
      write(cacheFile, script.createCachedData());
      write(`${cacheFile}.uses`, [...madeWith, ...added].map((p) => `${p}\n`).join(''));
      prune(dirname(cacheFile), basename(file), same, basename(cacheFile));
    } catch {
      // A cache that cannot be written is only a slower next start.
    }
  });
  return mod.exports;
}
