/**
 * What the CLI loads of the Alibaba Cloud SDK: nothing for a command that makes no cloud call; the
 * built dist/sdk.cjs, and none of the SDK packages, for the commands that do. Every module a `sindri`
 * process resolves is recorded through a module hook. Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isolatedEnv, jsonResult, repoRoot, runSindri } from '../helpers/cli.ts';
import { seededEmulator } from '../helpers/seeded-emulator.ts';

/** Any SDK code: a product SDK, the SDK core, the OSS client, or the bundle of them. */
const SDK = /@alicloud[\\/]|@darabonba[\\/]|[\\/]ali-oss[\\/]|[\\/]dist[\\/]sdk\.cjs$/;
const PACKAGES = /node_modules[\\/](@alicloud|@darabonba)[\\/]/;
const BUNDLE = /[\\/]dist[\\/]sdk\.cjs$/;

const work = mkdtempSync(join(tmpdir(), 'sindri-sdk-load-'));
const hook = join(work, 'record-loads.mjs');
writeFileSync(
  hook,
  `import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const seen = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const r = next(specifier, context);
    if (r.url.startsWith('file:') && !seen.has(r.url)) {
      seen.add(r.url);
      appendFileSync(process.env.SINDRI_TEST_LOADS, fileURLToPath(r.url) + '\\n');
    }
    return r;
  },
});
// Node's own modules loaded, as "node:<id>" lines (undici is one of them, loaded only when asked for),
// and every CommonJS module in the module cache: the bundles are read and run by the code-cache loader
// (src/util/code-cache.ts), which no resolve hook sees, and registered there as require would.
process.on('exit', () => {
  const ids = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => 'node:' + m.slice(13));
  const cjs = Object.keys(process.getBuiltinModule('node:module')._cache);
  appendFileSync(process.env.SINDRI_TEST_LOADS, [...ids, ...cjs].join('\\n') + '\\n');
});
`,
);

let run = 0;
/** Runs sindri and returns what it loaded. */
async function loads(args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot) {
  const file = join(work, `loads-${run++}.txt`);
  writeFileSync(file, '');
  const result = await runSindri(args, {
    cwd,
    env: { ...env, NODE_OPTIONS: `--import=${hook}`, SINDRI_TEST_LOADS: file },
  });
  const modules = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return { ...result, modules };
}

const seeded = seededEmulator('load', 'l');
const { cloudEnv } = seeded;
after(() => rmSync(work, { recursive: true, force: true }));

const config = join(repoRoot, 'test/fixtures/config/guide-basic.yaml');

describe('SDK loading by the CLI', () => {
  const offline: string[][] = [
    ['--version'],
    ['--help'],
    ['packer', 'list', '--help'],
    ['packer', 'validate', '--syntax-only', '--config', config],
    ['packer', 'template', '--config', config, '--out', '-'],
    ['packer', 'doctor', '--print-policy', '--config', config],
    ['packer', 'ci', 'github', '--config', config, '--out', '-'],
  ];
  for (const args of offline) {
    it(`sindri ${args.join(' ')} makes no cloud call and imports no SDK`, async () => {
      seeded.emu.admin.clearRequestLog();
      const r = await loads(args, cloudEnv());
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(seeded.emu.admin.requestLog(), []);
      assert.ok(r.modules.length > 0, 'the module hook recorded nothing');
      assert.deepEqual(
        r.modules.filter((m) => SDK.test(m)),
        [],
      );
    });
  }

  it('the module hook sees an SDK import (the check above can fail)', async () => {
    const r = await loads(['packer', 'list', '--region', 'cn-hangzhou'], cloudEnv());
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.modules.some((m) => SDK.test(m)));
  });

  it('a cloud command without a configuration loads neither the validator nor undici', async () => {
    const r = await loads(['packer', 'list', '--region', 'cn-hangzhou'], cloudEnv(), work);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.modules.includes('node:http'), 'the hook recorded no built-in module');
    // (yaml is inside dist/cli.cjs, where nothing outside sees whether it ran.)
    const validator = /[\\/]node_modules[\\/]ajv[\\/]|[\\/]dist[\\/]schema-validator\.cjs$/;
    assert.deepEqual(
      r.modules.filter((m) => validator.test(m) || /[\\/]config[\\/]schema\.js$|undici/.test(m)),
      [],
    );
    // The same check can fail: a configuration present loads the validator.
    const withConfig = await loads(
      ['packer', 'list', '--region', 'cn-hangzhou', '--config', config],
      cloudEnv(),
      work,
    );
    assert.equal(withConfig.code, 0, withConfig.stderr);
    assert.ok(withConfig.modules.some((m) => validator.test(m)));
  });

  const project = join(work, 'project');
  const cloud: Array<{ args: string[]; cwd?: string }> = [
    { args: ['packer', 'list', '--region', 'cn-hangzhou', '--json'] },
    { args: ['packer', 'list', '--all-regions', '--json'] },
    { args: ['packer', 'doctor', '--config', config, '--json'] },
    // The read probe, packer, the image checks and the build record.
    { args: ['packer', 'build', '--json'], cwd: project },
  ];
  for (const { args, cwd } of cloud) {
    it(`sindri ${args.join(' ')} calls through dist/sdk.cjs alone, with no warning`, async () => {
      if (cwd) {
        const { mkdirSync } = await import('node:fs');
        mkdirSync(cwd, { recursive: true });
        writeFileSync(
          join(cwd, 'sindri.yaml'),
          [
            'version: "1.0"',
            'name: sdk-load',
            'extensions: { profile: fullstack }',
            'providers:',
            '  packer:',
            '    cloud: alibaba',
            '    image_name: sdk-load',
            `    build: { cache: false, ssh_port: ${seeded.emu.sshPort} }`,
            '',
          ].join('\n'),
        );
      }
      seeded.emu.admin.clearRequestLog();
      const r = await loads(args, cloudEnv(), cwd);
      if (cwd) assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.ok(seeded.emu.admin.requestLog().length > 0, 'no cloud call was made');
      assert.ok(
        r.modules.some((m) => BUNDLE.test(m)),
        'dist/sdk.cjs was not loaded',
      );
      assert.deepEqual(
        r.modules.filter((m) => PACKAGES.test(m)),
        [],
        'an action missing from src/cloud/actions.ts loaded the SDK packages',
      );
      assert.doesNotMatch(r.stderr, /Warning/);
    });
  }

  it('SINDRI_SDK=packages calls through the SDK packages instead, with the same result', async () => {
    const args = ['packer', 'list', '--region', 'cn-hangzhou', '--json'];
    const bundled = await loads(args, cloudEnv());
    const r = await loads(args, { ...cloudEnv(), SINDRI_SDK: 'packages' });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.modules.some((m) => PACKAGES.test(m)));
    assert.ok(!r.modules.some((m) => BUNDLE.test(m)));
    assert.ok(jsonResult(r.stdout).count >= 3);
    assert.deepEqual(JSON.parse(r.stdout), JSON.parse(bundled.stdout));
  });
});

describe('the package', () => {
  it('ships dist/sdk.cjs, its licences, the loader and the CLI bundle', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: repoRoot,
      env: { ...process.env, npm_config_loglevel: 'silent' },
    });
    const files = (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map(
      (f) => f.path,
    );
    for (const f of [
      'dist/sdk.cjs',
      'dist/sdk.cjs.LICENSES.txt',
      'dist/schema-validator.cjs',
      'dist/src/cloud/sdk.js',
      'dist/src/cloud/actions.js',
      'dist/cli.cjs',
      'dist/src/util/code-cache.js',
      'dist/code-cache.cjs',
    ]) {
      assert.ok(files?.includes(f), `${f} is not in the package`);
    }
  });
});

describe('SDK loading in process', () => {
  it('createClients loads nothing; the first call loads dist/sdk.cjs and no SDK package', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const code = `
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/package.json');
      const sdk = () => Object.keys(require.cache).filter((k) => ${SDK}.test(k));
      const { createClients } = await import('./src/cloud/index.ts');
      const before = sdk();
      const c = await createClients({ credentials: { accessKeyId: 'LTAI-FAKE-X', accessKeySecret: 'fake', source: 't' }, region: 'cn-hangzhou', env: {} });
      const afterCreate = sdk();
      await c.endpoint('ecs');
      console.log(JSON.stringify({ before, afterCreate, afterCall: sdk() }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], {
      cwd: repoRoot,
      env: isolatedEnv(),
    });
    const r = JSON.parse(stdout.trim()) as Record<string, string[]>;
    assert.deepEqual(r.before, []);
    assert.deepEqual(r.afterCreate, []);
    assert.deepEqual(
      r.afterCall?.map((m) => m.slice(repoRoot.length)),
      ['dist/sdk.cjs'],
    );
  });
});
