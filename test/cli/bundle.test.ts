/**
 * dist/cli.cjs (scripts/build-cli.ts) and its code cache (src/util/code-cache.ts): every command is in
 * the bundle, a command runs from it (and from the files in dist/src with SINDRI_CLI=files, with the same
 * output), the code cache is written once and survives being corrupted, and nothing in the bundle
 * imports through a vm script's own `import()`. Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { isAscii } from 'node:buffer';
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import ts from 'typescript';
import { isolatedEnv, repoRoot, runSindri } from '../helpers/cli.ts';
import { seededEmulator } from '../helpers/seeded-emulator.ts';

const bundle = join(repoRoot, 'dist', 'cli.cjs');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, { flags: Record<string, unknown> }>;
};
const work = mkdtempSync(join(tmpdir(), 'sindri-bundle-'));
const config = join(repoRoot, 'test/fixtures/config/guide-basic.yaml');
const { cloudEnv } = seededEmulator('bundle', 'u');
after(() => rmSync(work, { recursive: true, force: true }));

/** The code-cache files under a compile cache directory. */
function cacheFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.v8'))
    .map((f) => join(dir, f));
}

describe('the CLI bundle', () => {
  it('has every command of the manifest, with the manifest flags', () => {
    type Flags = Record<string, unknown> | undefined;
    const { COMMANDS } = createRequire(import.meta.url)(bundle) as {
      COMMANDS: Record<string, { flags?: Flags; baseFlags?: Flags; enableJsonFlag?: boolean }>;
    };
    assert.deepEqual(Object.keys(COMMANDS).sort(), Object.keys(manifest.commands).sort());
    for (const [id, entry] of Object.entries(manifest.commands)) {
      const c = COMMANDS[id];
      const flags = { ...c?.baseFlags, ...(c?.enableJsonFlag ? { json: true } : {}), ...c?.flags };
      assert.deepEqual(Object.keys(flags).sort(), Object.keys(entry.flags).sort(), `flags of ${id}`);
    }
  });

  it("lists the commands in oclif's order: by code units, as the bundle sorts them, and by localeCompare agree", () => {
    // scripts/build-cli.ts sorts oclif's command list by code units, which avoids building ICU's collator.
    const ids = Object.keys(manifest.commands);
    const byLocale = [...ids].sort((a, b) => a.localeCompare(b));
    assert.deepEqual([...ids].sort(), byLocale);
  });

  it('routes every import() through __sindriImport (a vm script has no import() of its own)', () => {
    const text = readFileSync(bundle, 'utf8');
    const sf = ts.createSourceFile('cli.cjs', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
    let bare = 0;
    let routed = 0;
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        if (node.expression.kind === ts.SyntaxKind.ImportKeyword) bare++;
        if (ts.isIdentifier(node.expression) && node.expression.text === '__sindriImport') routed++;
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
    // The banner's own fallback, for a bundle loaded by require, is the one import() left.
    assert.equal(bare, 1);
    assert.ok(routed > 5, `only ${routed} routed imports`);
  });

  it('is ASCII (the loader reads it as latin1), with the regular expressions that had other characters escaped', () => {
    const bytes = readFileSync(bundle);
    assert.ok(isAscii(bytes));
    // packer-output.ts's pattern for a script's line (U+2502) and the µs of Go durations.
    const text = bytes.toString('latin1');
    assert.ok(text.includes('\\u2502'));
    assert.ok(text.includes('\\u00b5s'));
  });

  it('the code-cache loader (as bin/run.js requires it) and import() give the same instance', async () => {
    const code = `
      import module from 'node:module';
      module.enableCompileCache(${JSON.stringify(join(work, 'same'))});
      const { requireWithCodeCache } = module.createRequire(process.cwd() + '/')('./dist/code-cache.cjs');
      const a = requireWithCodeCache(${JSON.stringify(bundle)});
      const b = await import(${JSON.stringify(bundle)});
      console.log(JSON.stringify({ same: a.COMMANDS === b.COMMANDS, again: requireWithCodeCache(${JSON.stringify(bundle)}) === a }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], {
      cwd: repoRoot,
    });
    assert.deepEqual(JSON.parse(stdout), { same: true, again: true });
  });
});

describe('commands from the bundle and from the files', () => {
  const cases: Array<{ args: string[]; cloud?: boolean }> = [
    { args: ['packer', 'list', '--region', 'cn-hangzhou', '--json'], cloud: true },
    { args: ['packer', 'list', '--region', 'cn-hangzhou', '--output', 'csv'], cloud: true },
    { args: ['packer', 'validate', '--syntax-only', '--config', config, '--json'] },
    { args: ['packer', 'validate', '--syntax-only', '--config', join(work, 'missing.yaml')] },
    { args: ['packer', 'template', '--config', config, '--out', '-'] },
    { args: ['packer', 'list', '--bogus'] },
    { args: ['packer', 'lsit', '--json'] },
  ];
  for (const { args, cloud } of cases) {
    it(`sindri ${args.join(' ')}: the same exit code and output either way`, async () => {
      const env = cloud ? cloudEnv() : isolatedEnv();
      const bundled = await runSindri(args, { env });
      const files = await runSindri(args, { env: { ...env, SINDRI_CLI: 'files' } });
      assert.equal(bundled.code, files.code, bundled.stderr + files.stderr);
      assert.equal(bundled.stdout, files.stdout);
      assert.equal(bundled.stderr, files.stderr);
      assert.doesNotMatch(bundled.stderr, /Warning/);
    });
  }
});

describe('--debug', () => {
  it('runs the files in dist/src, so that its stack traces name them, not the minified bundle', async () => {
    const missing = join(work, 'missing.yaml');
    for (const debug of [{ args: ['--debug'] }, { args: [], env: { SINDRI_DEBUG: '1' } }]) {
      const r = await runSindri(['packer', 'validate', '--syntax-only', '--config', missing, ...debug.args], {
        env: isolatedEnv(debug.env),
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /at .*[\\/]dist[\\/]src[\\/]commands[\\/]packer[\\/]validate\.js:\d+:\d+/);
      assert.doesNotMatch(r.stderr, /cli\.cjs/);
    }
  });
});

describe('the code cache', () => {
  it('is written once, read on the next run, and rewritten when corrupt', async () => {
    const cache = join(work, 'cache');
    const env = cloudEnv({ NODE_COMPILE_CACHE: cache });
    const args = ['packer', 'list', '--region', 'cn-hangzhou', '--json'];
    const first = await runSindri(args, { env });
    assert.equal(first.code, 0, first.stderr);
    const files = cacheFiles(cache);
    assert.deepEqual(
      files.map((f) => /(cli|sdk)\.cjs-/.exec(f)?.[1]).sort(),
      ['cli', 'sdk'],
      'one cache for each bundle',
    );
    const written = files.map((f) => readFileSync(f));

    const second = await runSindri(args, { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.deepEqual(
      cacheFiles(cache).map((f) => readFileSync(f)),
      written,
      'a cache that V8 took is not written again',
    );

    for (const f of files) writeFileSync(f, 'not a V8 code cache');
    // Other caches of the bundle's name: an earlier build of the same file run the same way goes with
    // the next write; of another install, one written eight days ago goes, one written today stays.
    const cli = files.find((f) => /[\\/]cli\.cjs-/.test(f)) as string;
    const dir = dirname(cli);
    const earlier = cli.replace(/-v\d+\.\d+\.\d+-.*$/, '-an-earlier-build.v8');
    const old = join(dir, 'cli.cjs-another-install-old.v8');
    const recent = join(dir, 'cli.cjs-another-install.v8');
    for (const f of [earlier, old, recent]) writeFileSync(f, 'x');
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000);
    utimesSync(old, eightDaysAgo, eightDaysAgo);
    const third = await runSindri(args, { env });
    assert.equal(third.code, 0, third.stderr);
    assert.equal(third.stdout, first.stdout);
    for (const f of files) assert.ok(readFileSync(f).length > 10_000, `${f} was not rewritten`);
    assert.ok(!existsSync(earlier), "the earlier build's cache was removed");
    assert.ok(!existsSync(old), 'the week-old cache was removed');
    assert.ok(existsSync(recent), "another install's recent cache was kept");
  });

  it('grows with each command: one the cache was not made with rewrites it once, and then it is read', async () => {
    const cache = join(work, 'grows');
    const env = cloudEnv({ NODE_COMPILE_CACHE: cache });
    const template = ['packer', 'template', '--config', config, '--out', '-'];
    const list = ['packer', 'list', '--region', 'cn-hangzhou'];
    const cliCache = () => cacheFiles(cache).find((f) => /[\\/]cli\.cjs-/.test(f)) as string;
    const uses = () => readFileSync(`${cliCache()}.uses`, 'utf8').split('\n').filter(Boolean);

    assert.equal((await runSindri(template, { env })).code, 0);
    assert.deepEqual(uses(), ['packer:template']);
    const first = readFileSync(cliCache());
    // Another command: written again, with what the first held (a cache made by the two is larger).
    assert.equal((await runSindri(list, { env })).code, 0);
    assert.deepEqual(uses(), ['packer:template', 'packer:list']);
    const second = readFileSync(cliCache());
    assert.ok(second.length > first.length, `${second.length} <= ${first.length}`);
    const sdk = cacheFiles(cache).find((f) => /[\\/]sdk\.cjs-/.test(f)) as string;
    assert.equal(readFileSync(`${sdk}.uses`, 'utf8'), 'ecs\n', 'the SDK cache names its product');
    // Both commands again, and a mistyped one: nothing is written.
    for (const args of [template, list, ['packer', 'lsit']]) await runSindri(args, { env });
    assert.deepEqual(readFileSync(cliCache()), second);
    assert.deepEqual(uses(), ['packer:template', 'packer:list']);
    assert.equal(cacheFiles(cache).length, 2, 'one cache per bundle');
  });

  it('is not written when the compile cache is off', async () => {
    const cache = join(work, 'off');
    const r = await runSindri(['packer', 'list', '--region', 'cn-hangzhou'], {
      env: cloudEnv({ NODE_COMPILE_CACHE: cache, NODE_DISABLE_COMPILE_CACHE: '1' }),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.throws(() => readdirSync(cache), /ENOENT/);
  });
});
