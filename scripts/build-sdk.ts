/**
 * Builds dist/sdk.cjs: the Alibaba Cloud SDK code of the actions sindri calls (src/cloud/actions.ts), in
 * one file that loads in a fraction of the time of the SDK packages (docs/architecture.md, bench/sdk-load.ts).
 *
 * Nothing in it is written by hand. Each product's `Client` class is the SDK's own source, cut down to
 * its constructor, its helpers and the `<action>WithOptions` methods of the listed actions; the models
 * those methods name are the SDK's own model files; esbuild bundles them with the SDK core under them
 * (@alicloud/openapi-core, @darabonba/typescript, @alicloud/credentials, httpx). What changes is when
 * code is evaluated, never what it does:
 * - the models are getters, each evaluated when a call first needs it;
 * - the re-export index of @darabonba/typescript becomes getters, and a few requires of parts sindri
 *   does not use (WebSocket helpers, lodash) happen on first use (LAZY_REQUIRES), so that those parts
 *   are never evaluated;
 * - `url.parse` is the legacy parser without its DEP0169 warning, which Node prints only for callers
 *   outside node_modules: the SDK code calls it from the bundle (every request), as it did from
 *   node_modules.
 * Also writes dist/sdk.cjs.LICENSES.txt, the licences of the bundled packages.
 *
 * Run by `npm run build`; `node scripts/build-sdk.ts [--out FILE] [--no-minify] [--metafile FILE]`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import ts from 'typescript';
import { SDK_ACTIONS, SDK_PACKAGES } from '../src/cloud/actions.ts';
import { PRODUCTS, type Product } from '../src/cloud/endpoints.ts';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(join(root, 'package.json'));
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(root, 'dist', 'sdk.cjs') },
    'no-minify': { type: 'boolean', default: false },
    metafile: { type: 'string' },
  },
});
const outFile = values.out;

function fail(message: string): never {
  throw new Error(`build-sdk: ${message}`);
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
    ts.ScriptKind.JS,
  );
}

const str = (s: string) => JSON.stringify(s);

/** `exports.<name>` of the SDK's models/model.js: the model file and the name in it. */
function modelIndex(file: string): Map<string, { file: string; name: string }> {
  const sf = parse(file);
  const vars = new Map<string, string>();
  const index = new Map<string, { file: string; name: string }>();
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        const init = d.initializer;
        if (
          ts.isIdentifier(d.name) &&
          init &&
          ts.isCallExpression(init) &&
          ts.isIdentifier(init.expression) &&
          init.expression.text === 'require' &&
          init.arguments[0] &&
          ts.isStringLiteral(init.arguments[0])
        ) {
          vars.set(d.name.text, init.arguments[0].text);
        }
      }
    }
  }
  // Object.defineProperty(exports, "N", { enumerable: true, get: function () { return X_1.M; } });
  for (const st of sf.statements) {
    if (!ts.isExpressionStatement(st) || !ts.isCallExpression(st.expression)) continue;
    const [target, key, desc] = st.expression.arguments;
    if (!target || !key || !desc || !ts.isStringLiteral(key) || key.text === '__esModule') continue;
    if (!ts.isObjectLiteralExpression(desc)) continue;
    const get = desc.properties.find((p) => p.name?.getText() === 'get');
    const fn = get && ts.isPropertyAssignment(get) ? get.initializer : undefined;
    const ret = fn && ts.isFunctionExpression(fn) ? fn.body.statements[0] : undefined;
    const expr = ret && ts.isReturnStatement(ret) ? ret.expression : undefined;
    if (!expr || !ts.isPropertyAccessExpression(expr) || !ts.isIdentifier(expr.expression)) {
      fail(`${file}: unexpected export ${key.text}`);
    }
    const from = vars.get(expr.expression.text) ?? fail(`${file}: ${expr.expression.text} is not a require`);
    index.set(key.text, { file: from, name: expr.name.text });
  }
  if (index.size === 0) fail(`${file}: no model exports found`);
  return index;
}

const methodName = (action: string) => `${action.charAt(0).toLowerCase()}${action.slice(1)}WithOptions`;

/** The product's client.js with only the listed actions' methods, and only their models. */
function slimClient(product: Product): { contents: string; resolveDir: string } {
  const pkg = SDK_PACKAGES[product];
  const clientFile = require.resolve(pkg);
  const dir = dirname(clientFile);
  const models = modelIndex(join(dir, 'models', 'model.js'));
  const sf = parse(clientFile);
  const text = sf.getFullText();
  const keep = new Set<string>(SDK_ACTIONS[product].map(methodName));
  const cls = sf.statements.find(
    (s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === 'Client',
  );
  if (!cls) fail(`${clientFile}: no class Client`);
  const names = new Set(cls.members.map((m) => m.name?.getText()));
  const members: string[] = [];
  const used = new Set<string>();
  for (const m of cls.members) {
    const name = m.name?.getText() ?? '';
    // `describeImages` beside `describeImagesWithOptions` is a convenience wrapper; sindri calls neither.
    const isAction = name.endsWith('WithOptions') || names.has(`${name}WithOptions`);
    if (isAction && !keep.has(name)) continue;
    keep.delete(name);
    members.push(text.slice(m.getFullStart(), m.end));
    const visit = (n: ts.Node): void => {
      if (
        ts.isPropertyAccessExpression(n) &&
        ts.isIdentifier(n.expression) &&
        n.expression.text === '$_model'
      ) {
        used.add(n.name.text);
      }
      n.forEachChild(visit);
    };
    visit(m);
  }
  if (keep.size > 0) fail(`${pkg} has no method ${[...keep].join(', ')}`);
  // The request model of each action: sindri builds requests with it and reads its ClientToken field.
  for (const action of SDK_ACTIONS[product]) if (models.has(`${action}Request`)) used.add(`${action}Request`);

  const getter = (name: string) => {
    const m = models.get(name) ?? fail(`${pkg}: no model ${name}`);
    return `get ${name}() { return require(${str(`./models/${m.file.replace(/^\.\//, '')}`)}).${m.name}; }`;
  };
  const modelObject = `{\n  ${[...used].sort().map(getter).join(',\n  ')}\n}`;
  const out: string[] = [];
  let sawIndex = false;
  for (const st of sf.statements) {
    const src = text.slice(st.getFullStart(), st.end);
    if (st === cls) {
      const heritage = cls.heritageClauses?.map((h) => h.getText()).join(' ') ?? '';
      out.push(`\nclass Client ${heritage} {${members.join('')}\n}`);
    } else if (src.includes('require("./models/model")')) {
      // const $_model = __importStar(require("./models/model"));  and  __exportStar(require("./models/model"), exports);
      if (ts.isVariableStatement(st)) {
        const decl = st.declarationList.declarations[0];
        if (decl?.name.getText() !== '$_model') fail(`${clientFile}: unexpected model import ${src.trim()}`);
        out.push(`\nconst $_model = ${modelObject};`);
      } else {
        sawIndex = true;
        for (const name of used) {
          out.push(
            `\nObject.defineProperty(exports, ${str(name)}, { enumerable: true, get: () => $_model.${name} });`,
          );
        }
      }
    } else {
      out.push(src);
    }
  }
  if (!sawIndex) fail(`${clientFile}: the model re-export was not found`);
  return { contents: out.join(''), resolveDir: dir };
}

/**
 * The @darabonba/typescript index as getters: the same exports, each submodule required on first use.
 * The names come from requiring each submodule here, at build time.
 */
function lazyIndex(file: string): string {
  const sf = parse(file);
  const req = createRequire(file);
  const vars = new Map<string, string>();
  const out = [
    '"use strict";',
    'Object.defineProperty(exports, "__esModule", { value: true });',
    'const __lazy = (name, get) => Object.defineProperty(exports, name, { enumerable: true, get });',
  ];
  const requireOf = (e: ts.Expression | undefined): string | undefined =>
    e &&
    ts.isCallExpression(e) &&
    ts.isIdentifier(e.expression) &&
    e.expression.text === 'require' &&
    e.arguments[0] &&
    ts.isStringLiteral(e.arguments[0])
      ? e.arguments[0].text
      : undefined;
  const defined = new Set<string>();
  for (const st of sf.statements) {
    const src = st.getText();
    if (src === '"use strict";' || src.startsWith('var __') || /^exports\.[\w.= ]+void 0;$/.test(src))
      continue;
    if (src === 'Object.defineProperty(exports, "__esModule", { value: true });') continue;
    if (ts.isVariableStatement(st)) {
      const d = st.declarationList.declarations[0];
      const from = requireOf(d?.initializer);
      if (!d || !from) fail(`${file}: unexpected statement ${src}`);
      vars.set(d.name.getText(), from);
      continue;
    }
    if (ts.isExpressionStatement(st) && ts.isCallExpression(st.expression)) {
      const call = st.expression;
      const callee = call.expression.getText();
      if (callee === '__exportStar') {
        const from = requireOf(call.arguments[0]) ?? fail(`${file}: unexpected ${src}`);
        for (const name of Object.keys(req(from))) {
          if (name === 'default' || name === '__esModule' || defined.has(name)) continue;
          defined.add(name);
          out.push(`__lazy(${str(name)}, () => require(${str(from)})[${str(name)}]);`);
        }
        continue;
      }
      if (callee === 'Object.defineProperty') {
        // Object.defineProperty(exports, "Date", { enumerable: true, get: function () { return __importDefault(date_1).default; } });
        const key = call.arguments[1];
        const m = /return (?:__importDefault\((\w+)\)\.default|(\w+)\.(\w+));/.exec(src);
        if (!key || !ts.isStringLiteral(key) || !m) fail(`${file}: unexpected ${src}`);
        const from = vars.get(m[1] ?? m[2] ?? '') ?? fail(`${file}: unknown module in ${src}`);
        defined.add(key.text);
        out.push(
          m[1]
            ? `__lazy(${str(key.text)}, () => { const m = require(${str(from)}); return m && m.__esModule ? m.default : m; });`
            : `__lazy(${str(key.text)}, () => require(${str(from)})[${str(m[3] ?? '')}]);`,
        );
        continue;
      }
    }
    fail(`${file}: unexpected statement ${src}`);
  }
  // The same names as the real index, or the transformation missed something.
  const expected = Object.keys(req(file)).sort();
  const got = [...defined].sort();
  if (JSON.stringify(expected) !== JSON.stringify(got)) {
    fail(`${file}: lazy index exports differ: ${expected.filter((n) => !defined.has(n)).join(', ')}`);
  }
  return out.join('\n');
}

/**
 * Modules whose top-level `require` of a part sindri never uses becomes a require on first use: each
 * `const|var X = require(M)` (or `__importStar(require(M))`, `__importDefault(require(M))`) turns into a
 * proxy that forwards to the module, each `exports.X = __importStar(require(M))` into a getter. Only
 * functions read them, never the module's top level (checked: the statements must be exactly these, so
 * many of them).
 * - openapi-core's WebSocket helpers (and through them `ws`, the proxy agents and `socks`): only its
 *   WebSocket methods read them;
 * - lodash in @darabonba/typescript's func.js: only `merge` reads it;
 * - zlib in httpx: only a compressed response reads it (Node.js takes ~7 ms to load zlib);
 * - the credentials' external-process provider (and through it node:child_process), in the CLI-profile
 *   provider: only a profile of mode External reads it, and sindri gives the SDK its credentials.
 */
const LAZY_REQUIRES: Array<{ file: RegExp; module: string; statements: number }> = [
  {
    file: /[\\/]@alicloud[\\/]openapi-core[\\/]dist[\\/]client\.js$/,
    module: './websocketUtils',
    statements: 4,
  },
  { file: /[\\/]@darabonba[\\/]typescript[\\/]dist[\\/]func\.js$/, module: 'lodash', statements: 1 },
  { file: /[\\/]httpx[\\/]lib[\\/]index\.js$/, module: 'zlib', statements: 1 },
  {
    file: /[\\/]@alicloud[\\/]credentials[\\/]dist[\\/]src[\\/]providers[\\/]cli_profile\.js$/,
    module: './external',
    statements: 1,
  },
];

function lazyRequires(file: string, module: string, statements: number): string {
  const sf = parse(file);
  const text = sf.getFullText();
  const call = `__importStar(require(${str(module)}))`;
  let changed = 0;
  const out = sf.statements.map((st) => {
    const src = text.slice(st.getFullStart(), st.end);
    const code = st.getText();
    const requires = [`require(${str(module)})`, `require('${module}')`];
    if (!requires.some((r) => code.includes(r))) return src;
    changed++;
    const decl = /^(?:const|var) (\w+) = (.*);$/.exec(code);
    const load = decl?.[2];
    const wrapped = requires.flatMap((r) => [`__importStar(${r})`, `__importDefault(${r})`]);
    if (decl && load && (requires.includes(load) || wrapped.includes(load))) {
      return `\nconst ${decl[1]} = new Proxy({}, { get: (_, k) => ${load}[k], has: (_, k) => k in ${load} });`;
    }
    const assign = /^exports\.(\$?\w+) = (.*);$/.exec(code);
    if (assign?.[2] === call) {
      return `\nObject.defineProperty(exports, ${str(assign[1] ?? '')}, { enumerable: true, get: () => ${call} });`;
    }
    return fail(`${file}: unexpected use of ${module}: ${code}`);
  });
  if (changed !== statements)
    fail(`${file}: expected ${statements} statements requiring ${module}, found ${changed}`);
  return out.join('');
}

/** Node's own url.parse without the DEP0169 warning, for the SDK code in the bundle. */
const URL_SHIM = `"use strict";
const url = require("node:url");
function parse(u, parseQueryString, slashesDenoteHost) {
  if (u instanceof url.Url) return u;
  const o = new url.Url();
  o.parse(u, parseQueryString, slashesDenoteHost);
  return o;
}
module.exports = { ...url, parse };
`;

const versions = Object.fromEntries(
  [...Object.values(SDK_PACKAGES), '@alicloud/openapi-core', '@darabonba/typescript'].map((p) => [
    p,
    (require(`${p}/package.json`) as { version: string }).version,
  ]),
);

// One copy of the core for every product, or the products' clients would not share it.
const coreOf = (product: Product) =>
  createRequire(require.resolve(SDK_PACKAGES[product])).resolve('@alicloud/openapi-core');
const core = coreOf('ecs');
for (const p of PRODUCTS) if (coreOf(p) !== core) fail(`${SDK_PACKAGES[p]} resolves another openapi-core`);
const darabonba = createRequire(core).resolve('@darabonba/typescript');
const httpx = createRequire(darabonba).resolve('httpx');

const entry = `"use strict";
// The SDK code of the actions sindri calls; built by scripts/build-sdk.ts, loaded by src/cloud/sdk.ts.
exports.actions = ${JSON.stringify(SDK_ACTIONS)};
exports.versions = ${JSON.stringify(versions)};
exports.core = () => require(${str(core)});
exports.httpx = () => require(${str(httpx)});
exports.products = {
${PRODUCTS.map((p) => `  ${p}: () => require("sindri-sdk:${p}"),`).join('\n')}
};
`;

const plugin: esbuild.Plugin = {
  name: 'sindri-sdk',
  setup(b) {
    b.onResolve({ filter: /^sindri-sdk:/ }, (a) => ({ path: a.path, namespace: 'sindri-sdk' }));
    b.onLoad({ filter: /.*/, namespace: 'sindri-sdk' }, (a) => ({
      ...slimClient(a.path.slice('sindri-sdk:'.length) as Product),
      loader: 'js',
    }));
    b.onLoad({ filter: /[\\/]@darabonba[\\/]typescript[\\/]dist[\\/]index\.js$/ }, (a) => ({
      contents: lazyIndex(a.path),
      resolveDir: dirname(a.path),
      loader: 'js',
    }));
    for (const lazy of LAZY_REQUIRES) {
      b.onLoad({ filter: lazy.file }, (a) => ({
        contents: lazyRequires(a.path, lazy.module, lazy.statements),
        resolveDir: dirname(a.path),
        loader: 'js',
      }));
    }
    b.onResolve({ filter: /^(node:)?url$/ }, (a) =>
      a.namespace === 'url-shim' ? { path: 'url', external: true } : { path: 'url', namespace: 'url-shim' },
    );
    b.onLoad({ filter: /.*/, namespace: 'url-shim' }, () => ({ contents: URL_SHIM, loader: 'js' }));
  },
};

const result = await esbuild.build({
  stdin: { contents: entry, resolveDir: root, sourcefile: 'sindri-sdk-entry.cjs', loader: 'js' },
  outfile: outFile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  minify: !values['no-minify'],
  // Error and model classes keep their names (`err.name`, stack traces).
  keepNames: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  plugins: [plugin],
});

// The licences of what the bundle holds, beside it.
const pkgs = new Map<string, string>();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m?.[1]) pkgs.set(m[1], m[1]);
}
const notices: string[] = [];
for (const dir of [...pkgs.keys()].sort()) {
  const abs = join(root, dir);
  const pj = JSON.parse(readFileSync(join(abs, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    license?: string;
    author?: string | { name?: string; email?: string };
    repository?: string | { url?: string };
  };
  let licence = '';
  for (const f of ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'LICENCE', 'license', 'License']) {
    try {
      licence = readFileSync(join(abs, f), 'utf8').trim();
      break;
    } catch {}
  }
  const author =
    typeof pj.author === 'string' ? pj.author : [pj.author?.name, pj.author?.email].filter(Boolean).join(' ');
  const repo = typeof pj.repository === 'string' ? pj.repository : pj.repository?.url;
  const about = [
    `License: ${pj.license ?? 'see the package'}`,
    author && `Author: ${author}`,
    repo && `Source: ${repo}`,
  ];
  notices.push(
    `${pj.name}@${pj.version}\n${about.filter(Boolean).join('\n')}${licence ? `\n\n${licence}` : ''}`,
  );
}
writeFileSync(
  `${outFile}.LICENSES.txt`,
  `Third-party packages bundled in ${relative(dirname(outFile), outFile)}\n\n${notices.join(`\n\n${'-'.repeat(72)}\n\n`)}\n`,
);
if (values.metafile) writeFileSync(values.metafile, JSON.stringify(result.metafile));
const bytes = Object.values(result.metafile.outputs)[0]?.bytes ?? 0;
console.error(
  `${relative(root, outFile)}: ${(bytes / 1024).toFixed(0)} KiB, ${PRODUCTS.map((p) => `${p} ${SDK_ACTIONS[p].length}`).join(', ')} actions, ${pkgs.size} packages`,
);
