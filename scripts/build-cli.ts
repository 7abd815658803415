/**
 * Builds dist/cli.cjs: the CLI framework (@oclif/core and the packages under it) and sindri's modules in
 * one file, which starts a command in a fraction of the time of the ~250 files it replaces
 * (docs/architecture.md, bench/cli-floor.ts). bin/run.js runs commands through it; help and the plugins'
 * commands keep the files in dist/src.
 *
 * Nothing in it is written by hand, and it changes when code is evaluated, never what it does:
 * - every command is a getter of `COMMANDS` (oclif's "explicit" command discovery), evaluated when oclif
 *   loads that command, so a command evaluates only its own modules;
 * - each module keeps its own `import.meta.url`, the URL of its file in dist/src, so the files it finds
 *   beside itself (the packer supervisor, the Cloud Assistant helper, the download worker) are the
 *   files the package ships;
 * - the other packages (the SDKs, execa, yaml, handlebars, listr2, ...) stay in node_modules and are
 *   imported where they were, on first use;
 * - oclif sorts its list of commands by code units rather than with `localeCompare`, whose first call
 *   in a process builds ICU's collator (5 ms); for sindri's command IDs the order is the same, which
 *   test/cli/bundle.test.ts checks.
 * Also writes dist/code-cache.cjs, the loader of the bundle (src/util/code-cache.ts) as a CommonJS file,
 * which bin/run.js requires: an ES module import of it takes about 2 ms more (the ES loader, and
 * namespaces of the Node.js modules it uses).
 *
 * Run by `npm run build`, after the oclif manifest; `node scripts/build-cli.ts [--root DIR] [--no-minify] [--metafile FILE]`.
 */

import { isAscii } from 'node:buffer';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import ts from 'typescript';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: new URL('..', import.meta.url).pathname },
    metafile: { type: 'string' },
    'no-minify': { type: 'boolean', default: false },
  },
});
const root = values.root;
const dist = join(root, 'dist');

interface ManifestCommand {
  relativePath?: string[];
}
const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, ManifestCommand>;
};

const commands = Object.entries(manifest.commands).map(([id, c]) => {
  if (!c.relativePath) throw new Error(`build-cli: the manifest has no file for ${id}`);
  return [id, `./${c.relativePath.slice(1).join('/')}`] as const;
});

// `require` of a bundled module is esbuild's lazy initialiser of that module (no runtime require).
const entry = `export { execute } from '@oclif/core/execute';
export { dropWritesToClosedPipes } from './src/cli/streams.js';
export const COMMANDS = Object.defineProperties({}, {
${commands.map(([id, file]) => `  ${JSON.stringify(id)}: { enumerable: true, get: () => require(${JSON.stringify(file)}).default },`).join('\n')}
});
export function commandNotFound(opts) {
  return require('./src/cli/command-not-found.js').default.call(this, opts);
}
`;
const entryFile = join(dist, 'cli-entry.js');
writeFileSync(entryFile, entry);

/** Each of sindri's modules sees the URL of its own file in dist/src, not the bundle's. */
const ownUrl: esbuild.Plugin = {
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /[/\\]dist[/\\]src[/\\].*\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const own = `new URL(${JSON.stringify(`./${relative(dist, args.path).replaceAll('\\', '/')}`)}, __sindriBundleUrl).href`;
      return { contents: text.replaceAll('import.meta.url', own), loader: 'js' };
    });
  },
};

// What sindri's modules take from @oclif/core, from the modules that define it: the package's index
// evaluates all of oclif (help, the logger, ux, ...) on every start.
const OCLIF_PARTS = `export { Command } from '@oclif/core/command';
export * as Args from '@oclif/core/args';
export * as Flags from '@oclif/core/flags';
export { toConfiguredId } from '@oclif/core/util/ids';
`;
const oclifParts: esbuild.Plugin = {
  name: 'oclif-parts',
  setup(build) {
    build.onResolve({ filter: /^@oclif\/core$/ }, () => ({ path: 'oclif-parts', namespace: 'oclif-parts' }));
    build.onLoad({ filter: /.*/, namespace: 'oclif-parts' }, () => ({
      contents: OCLIF_PARTS,
      resolveDir: root,
      loader: 'js',
    }));
  },
};

const LOCALE_SORT = '.sort((a, b) => a.id.localeCompare(b.id))';
const CODE_UNIT_SORT = '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))';
const commandOrder: esbuild.Plugin = {
  name: 'oclif-command-order',
  setup(build) {
    build.onLoad({ filter: /[/\\]@oclif[/\\]core[/\\]lib[/\\]config[/\\]plugin\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (text.split(LOCALE_SORT).length !== 2)
        throw new Error(`build-cli: ${args.path} no longer sorts its commands with ${LOCALE_SORT}`);
      return { contents: text.replace(LOCALE_SORT, CODE_UNIT_SORT), loader: 'js' };
    });
  },
};

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
// The CLI framework and what the listing commands print with (yaml, string-width). Every other
// dependency is imported from node_modules where it was, on first use: the SDK packages (dist/sdk.cjs has
// their code), the oclif plugins (oclif loads them by path), ssh2's add-ons, and what only a build uses.
const bundled = new Set(['@oclif/core', 'yaml', 'string-width']);
const external = Object.keys(pkg.dependencies)
  .filter((name) => !bundled.has(name))
  .flatMap((name) => [name, `${name}/*`]);

/** A regular expression literal's text with its non-ASCII characters as escapes (the same pattern). */
function asciiRegex(literal: string): string {
  const flags = literal.slice(literal.lastIndexOf('/') + 1);
  const unicode = /[uv]/.test(flags);
  return literal.replace(/[\u0080-\u{10ffff}]/gu, (ch, offset: number) => {
    // An identity escape of the character (\µ) would escape the backslash that replaces it.
    if (literal[offset - 1] === '\\')
      throw new Error(`build-cli: an escaped non-ASCII character in ${literal}`);
    const cp = ch.codePointAt(0) ?? 0;
    if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, '0')}`;
    if (unicode) return `\\u{${cp.toString(16)}}`;
    return [...ch.split('')].map((u) => `\\u${u.charCodeAt(0).toString(16)}`).join('');
  });
}

/**
 * Two rewrites, found with the TypeScript parser (so that the same words in a string are left alone):
 * - every `import(…)` goes through `__sindriImport`: the code-cache loader runs the bundle as a vm
 *   script, whose own `import()` would need an experimental Node.js option, and gives it a function of
 *   its own module that imports instead;
 * - the non-ASCII characters of regular expression literals become escapes (esbuild escapes them
 *   everywhere else), so the bundle is ASCII and the loader reads it as latin1, which is faster.
 */
function rewriteBundle(text: string): { text: string; imports: number } {
  const sf = ts.createSourceFile('cli.cjs', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const edits: Array<{ start: number; end: number; text: string }> = [];
  let imports = 0;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const start = node.expression.getStart(sf);
      edits.push({ start, end: start + 'import'.length, text: '__sindriImport' });
      imports++;
    } else if (ts.isRegularExpressionLiteral(node) && /[\u0080-\u{10ffff}]/u.test(node.text)) {
      edits.push({ start: node.getStart(sf), end: node.getEnd(), text: asciiRegex(node.text) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { text: out, imports };
}

const BANNER = `const __sindriBundleUrl = require('node:url').pathToFileURL(__filename).href;
const __sindriImport = globalThis[Symbol.for('sindri.import')] ?? ((specifier) => import(specifier));
`;

try {
  const result = await esbuild.build({
    entryPoints: [entryFile],
    outfile: join(dist, 'cli.cjs'),
    write: false,
    bundle: true,
    // CommonJS, so that a module's imports (node:crypto, node:child_process, ...) are required when that
    // module is first evaluated; an ES module bundle would hoist them all to its start.
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    minify: !values['no-minify'],
    keepNames: true,
    legalComments: 'eof',
    // oclif's TypeScript support (development only) and ssh2's native add-ons stay outside.
    external: [...external, 'typescript', 'ts-node', 'tsx', '*.node'],
    plugins: [ownUrl, oclifParts, commandOrder],
    metafile: true,
    logLevel: 'error',
  });
  if (values.metafile) writeFileSync(values.metafile, JSON.stringify(result.metafile));
  const [output] = result.outputFiles;
  if (!output) throw new Error('build-cli: esbuild wrote nothing');
  const routed = rewriteBundle(output.text);
  // The ES modules in it are strict mode code, so the whole bundle is, with the banner after the
  // directive (esbuild writes one itself only when a tsconfig.json asks for it).
  const strict = '"use strict";';
  const body = routed.text.startsWith(strict) ? routed.text.slice(strict.length) : routed.text;
  writeFileSync(join(dist, 'cli.cjs'), `${strict}\n${BANNER}${body}`);
  // Its own Node.js modules only, so nothing to bundle.
  await esbuild.build({
    entryPoints: [join(dist, 'src', 'util', 'code-cache.js')],
    outfile: join(dist, 'code-cache.cjs'),
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    logLevel: 'error',
  });
  console.error(
    `dist/cli.cjs: ${Math.round(output.contents.length / 1024)} KiB, ${commands.length} commands, ${routed.imports} dynamic imports${isAscii(Buffer.from(routed.text)) ? '' : ', not ASCII'}`,
  );
} finally {
  rmSync(entryFile, { force: true });
}
