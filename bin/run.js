#!/usr/bin/env node
// Before anything else loads: the CLI framework and its dependencies need Node.js >= 22.13, and on an
// older one would fail with an unrelated error deep inside them.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(
    `sindri needs Node.js >= 22.13, this is ${process.versions.node}; install a current one (https://nodejs.org/en/download, or \`nvm install 24\`) and run sindri with it\n`,
  );
  process.exit(2);
}

// process.getBuiltinModule rather than `import`: the ES module namespace of node:fs loads fs/promises
// as well, which costs --version a tenth of its time.
const { existsSync, readFileSync } = process.getBuiltinModule('node:fs');
const module = process.getBuiltinModule('node:module');
const { fileURLToPath } = process.getBuiltinModule('node:url');
const args = process.argv.slice(2);
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
if (args.length === 1 && (args[0] === '--version' || args[0] === 'version')) {
  // The most frequent call in scripts; answered without loading the CLI framework, in oclif's format.
  process.stdout.write(
    `sindri/${pjson.version} ${process.platform}-${process.arch} node-${process.version}\n`,
  );
} else {
  // Caches compiled bytecode of sindri and its dependencies between runs (Node >= 22.1).
  module.enableCompileCache?.();
  // The oclif plugins (the help and autocomplete commands) are loaded only by what shows or uses them:
  // `sindri help …`, `sindri autocomplete …`, `sindri version --verbose` (which lists them) and the
  // command lists of --help. A command's own --help
  // is oclif's built-in help and needs no plugin.
  const lists =
    args.length === 0 ||
    ['help', 'autocomplete', 'version'].includes(args[0]) ||
    args.includes('--help') ||
    args.includes('-h');
  if (!lists) pjson.oclif = { ...pjson.oclif, plugins: [] };
  const root = fileURLToPath(new URL('..', import.meta.url));
  const bundle = fileURLToPath(new URL('../dist/cli.cjs', import.meta.url));
  // A command runs from dist/cli.cjs: the framework and sindri's modules in one file (scripts/build-cli.ts),
  // loaded with a code cache of what earlier runs compiled (src/util/code-cache.ts). Help and the
  // plugins' commands, --debug, and SINDRI_CLI=files (to compare the two) use the files in dist/src.
  // --debug shows stack traces, which name the files in dist/src rather than the minified bundle.
  const debug = args.includes('--debug') || process.env.SINDRI_DEBUG === '1';
  const loader = fileURLToPath(new URL('../dist/code-cache.cjs', import.meta.url));
  if (!lists && !debug && process.env.SINDRI_CLI !== 'files' && existsSync(bundle) && existsSync(loader)) {
    // Required, not imported: the loader is CommonJS (scripts/build-cli.ts).
    const { requireWithCodeCache, noteCodeCacheUse } = module.createRequire(import.meta.url)(loader);
    const cli = requireWithCodeCache(bundle) ?? (await import('../dist/cli.cjs'));
    // The command, so that the code cache also holds its code when another command made it.
    const words = args.filter((a) => !a.startsWith('-'));
    const id = [3, 2, 1].map((n) => words.slice(0, n).join(':')).find((k) => Object.hasOwn(cli.COMMANDS, k));
    if (id) noteCodeCacheUse(bundle, id);
    // Before anything writes: a reader that goes away (`sindri … | head -1`) ends nothing midway.
    cli.dropWritesToClosedPipes();
    const target = './dist/cli.cjs';
    pjson.oclif = {
      ...pjson.oclif,
      commands: { strategy: 'explicit', target, identifier: 'COMMANDS' },
      hooks: { command_not_found: { target, identifier: 'commandNotFound' } },
    };
    await cli.execute({ loadOptions: { root, pjson } });
  } else {
    // Before anything writes, as above; oclif's help and hooks also write outside sindri's commands.
    (await import('../dist/src/cli/streams.js')).dropWritesToClosedPipes();
    const { execute } = await import('@oclif/core');
    await execute({ loadOptions: { root, pjson } });
  }
}
