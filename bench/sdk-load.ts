/**
 * Ways to load the SDK for one call, measured against each other: a fresh process (compile cache warm)
 * loads the ECS SDK one way and calls DescribeImages against the emulator. Alternated, one run of each
 * per round. Run: ./node_modules/.bin/node bench/sdk-load.ts (after npm run build, for dist/sdk.cjs).
 *
 * - packages: @alicloud/ecs20140526 and @alicloud/openapi-core as installed (before dist/sdk.cjs).
 * - packages bundled: the same two packages bundled by esbuild into one minified file.
 * - lazy models: the installed packages, with the model index (models/model.js, 1,151 files) replaced
 *   by getters that load a model file on first use (through require.cache).
 * - callApi: the SDK core's generic call (`callApi` with `Params`) and only the request and response
 *   model files of the action, from the installed packages; no product client.
 * - dist/sdk.cjs: what sindri uses (scripts/build-sdk.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { startEmulator } from '../test/emulator/index.ts';
import { seedImage, sindriTags } from '../test/lifecycle/helpers.ts';
import { summary } from './lib.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'dist', 'sdk.cjs');
if (!existsSync(bundle)) throw new Error('dist/sdk.cjs is missing: npm run build');
const runs = Number(process.env.BENCH_RUNS ?? 15);
const require = createRequire(join(root, 'package.json'));
const dir = mkdtempSync(join(tmpdir(), 'sindri-bench-sdk-'));
const cache = mkdtempSync(join(tmpdir(), 'sindri-bench-sdk-cache-'));
const emu = await startEmulator();
for (let i = 0; i < 5; i++)
  seedImage(emu, { region: 'cn-hangzhou', name: `sdk-${i}`, tags: sindriTags(`s${i}`) });

const ecs = require.resolve('@alicloud/ecs20140526');
const core = require.resolve('@alicloud/openapi-core');
const models = join(dirname(ecs), 'models');
const s = JSON.stringify;

// Each variant is a module exporting Client, DescribeImagesRequest and Config.
const variants: Record<string, string> = {
  packages: `const m = require(${s(ecs)});
module.exports = { Client: m.default, DescribeImagesRequest: m.DescribeImagesRequest, Config: require(${s(core)}).$OpenApiUtil.Config };`,
  'lazy models': `const Module = require('node:module');
const { readFileSync } = require('node:fs');
const index = ${s(join(models, 'model.js'))};
const src = readFileSync(index, 'utf8');
const files = new Map([...src.matchAll(/var (\\w+) = require\\("(\\.\\/\\w+)"\\);/g)].map((m) => [m[1], m[2]]));
const lazy = new Module(index);
lazy.filename = index; lazy.loaded = true;
const req = Module.createRequire(index);
Object.defineProperty(lazy.exports, '__esModule', { value: true });
for (const m of src.matchAll(/Object\\.defineProperty\\(exports, "(\\w+)", \\{ enumerable: true, get: function \\(\\) \\{ return (\\w+)\\.(\\w+); \\} \\}\\);/g)) {
  Object.defineProperty(lazy.exports, m[1], { enumerable: true, get: () => req(files.get(m[2]))[m[3]] });
}
require.cache[index] = lazy;
const m = require(${s(ecs)});
module.exports = { Client: m.default, DescribeImagesRequest: m.DescribeImagesRequest, Config: require(${s(core)}).$OpenApiUtil.Config };`,
  callApi: `const core = require(${s(core)});
const { DescribeImagesRequest } = require(${s(join(models, 'DescribeImagesRequest.js'))});
const { DescribeImagesResponse } = require(${s(join(models, 'DescribeImagesResponse.js'))});
const $dara = require(${s(createRequire(core).resolve('@darabonba/typescript'))});
class Client extends core.default {
  async describeImagesWithOptions(request, runtime) {
    request.validate();
    const req = new core.$OpenApiUtil.OpenApiRequest({ query: core.OpenApiUtil.query(request.toMap()) });
    const params = new core.$OpenApiUtil.Params({ action: 'DescribeImages', version: '2014-05-26', protocol: 'HTTPS', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' });
    return $dara.cast(await this.callApi(params, req, runtime), new DescribeImagesResponse({}));
  }
}
module.exports = { Client, DescribeImagesRequest, Config: core.$OpenApiUtil.Config };`,
  'dist/sdk.cjs': `const b = require(${s(bundle)});
const m = b.products.ecs();
module.exports = { Client: m.default, DescribeImagesRequest: m.DescribeImagesRequest, Config: b.core().$OpenApiUtil.Config };`,
};
const files: Record<string, string> = {};
for (const [name, code] of Object.entries(variants)) {
  files[name] = join(dir, `${name.replace(/\W+/g, '-')}.cjs`);
  writeFileSync(files[name] as string, code);
}
// The published packages bundled as they are.
files['packages bundled'] = join(dir, 'packages-bundled.cjs');
await esbuild.build({
  entryPoints: [files.packages as string],
  outfile: files['packages bundled'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  logLevel: 'error',
});

const probe = join(dir, 'probe.cjs');
writeFileSync(
  probe,
  `require('node:module').enableCompileCache?.();
const t0 = performance.now();
const v = require(process.argv[2]);
const loaded = performance.now();
const client = new v.Client(new v.Config({ accessKeyId: process.env.AK, accessKeySecret: process.env.SK, regionId: 'cn-hangzhou', endpoint: process.env.ENDPOINT, protocol: 'http', userAgent: 'sindri' }));
const req = new v.DescribeImagesRequest({ regionId: 'cn-hangzhou', imageOwnerAlias: 'self', pageSize: 100, tag: [{ key: 'ManagedBy', value: 'sindri' }] });
client.describeImagesWithOptions(req, {}).then((r) => {
  if (r.body.images.image.length !== 5) throw new Error('expected 5 images');
  process.stdout.write(JSON.stringify({ load: loaded - t0, total: performance.now() }));
});
`,
);

const env = {
  ...process.env,
  NODE_COMPILE_CACHE: cache,
  ENDPOINT: new URL(emu.url).host,
  AK: 'LTAI-FAKE-ROOT-0000000001',
  SK: 'fake-secret-root-do-not-use',
};
function once(file: string | undefined): Promise<{ load: number; total: number; wall: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const args = file
      ? [probe, file]
      : ['-e', 'process.stdout.write(JSON.stringify({ load: 0, total: performance.now() }))'];
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${file}: exit ${code}\n${err}`));
      else resolve({ ...JSON.parse(out), wall: performance.now() - start });
    });
  });
}

const names = ['node -e (no SDK)', 'packages', 'packages bundled', 'lazy models', 'callApi', 'dist/sdk.cjs'];
const samples = new Map(names.map((n) => [n, [] as Array<{ load: number; total: number; wall: number }>]));
try {
  for (let i = 0; i <= runs; i++) {
    for (const n of names) {
      const r = await once(files[n]);
      if (i > 0) samples.get(n)?.push(r);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const size = (n: string) => {
    const f = n === 'dist/sdk.cjs' ? bundle : (files[n] as string);
    return n === 'packages bundled' || n === 'dist/sdk.cjs'
      ? `${(readFileSync(f).length / 1024).toFixed(0)} KiB`
      : '';
  };
  const base = med(samples.get('packages')?.map((x) => x.wall) ?? []);
  console.log(
    `\nSDK load for one DescribeImages (${runs} runs each, alternated, medians, Node ${process.version})`,
  );
  console.log('| way | load ms | process start to answer ms | process wall ms | ratio to packages | file |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const n of names) {
    const xs = samples.get(n) ?? [];
    const wall = med(xs.map((x) => x.wall));
    console.log(
      `| ${n} | ${med(xs.map((x) => x.load)).toFixed(1)} | ${med(xs.map((x) => x.total)).toFixed(1)} | ${wall.toFixed(1)} | ${(wall / base).toFixed(2)} | ${size(n)} |`,
    );
  }
  const chosen = med(samples.get('dist/sdk.cjs')?.map((x) => x.wall) ?? []);
  summary({
    bench: 'sdk-load',
    measure: 'new process, ECS SDK + 1 call via dist/sdk.cjs',
    value: chosen,
    baseline: base,
    baselineLabel: 'SDK packages',
    unit: 'ms',
  });
} finally {
  await emu.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
}
