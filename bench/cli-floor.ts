/**
 * What the start-up of a cloud command is made of, and what bundling the whole CLI would save: copies of
 * the built package in which `packer list` is a command that does nothing (a bare oclif command, then one
 * on sindri's base command), and a copy with the whole CLI (oclif, commands, sindri's modules) bundled by
 * esbuild; each against `sindri packer list --region cn-hangzhou` as built, all alternated in one run.
 * Run: ./node_modules/.bin/node bench/cli-floor.ts (after npm run build).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { startEmulator } from '../test/emulator/index.ts';
import { emulatorEnv } from '../test/helpers/cloud-env.ts';
import { seedImage, sindriTags } from '../test/lifecycle/helpers.ts';
import { printTable, summary, timeAlternating } from './lib.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 15);
const work = mkdtempSync(join(tmpdir(), 'sindri-bench-floor-'));

/** A copy of the built package (node_modules linked) under `work`. */
function copy(name: string): string {
  const dir = join(work, name);
  for (const f of ['package.json', 'oclif.manifest.json', 'bin', 'dist', 'schemas', 'templates']) {
    cpSync(join(root, f), join(dir, f), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}
const list = (dir: string) => join(dir, 'dist/src/commands/packer/list.js');

const bareOclif = copy('bare-oclif');
writeFileSync(
  list(bareOclif),
  `import { Command, Flags } from '@oclif/core';
export default class List extends Command {
  static flags = { region: Flags.string({}) };
  async run() { await this.parse(List); }
}
`,
);
const bareSindri = copy('bare-sindri');
writeFileSync(
  list(bareSindri),
  `import { Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.js';
export default class List extends SindriCommand {
  static flags = { region: Flags.string({}) };
  async run() { await this.parse(List); return {}; }
}
`,
);

// The whole CLI bundled: every command an entry, oclif and sindri's modules in shared chunks. For
// measuring only (workers and files found through import.meta.url would need more than this).
const bundled = copy('bundled');
const files = (d: string): string[] =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(d, e.name)) : e.name.endsWith('.js') ? [join(d, e.name)] : [],
  );
writeFileSync(join(bundled, 'dist/src/oclif-entry.js'), "export { execute } from '@oclif/core';\n");
const entries = [join(bundled, 'dist/src/oclif-entry.js'), ...files(join(bundled, 'dist/src/commands'))];
await esbuild.build({
  entryPoints: entries,
  outdir: join(bundled, 'dist/src'),
  outbase: join(bundled, 'dist/src'),
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  keepNames: true,
  // ssh2 loads native add-ons (cpu-features, its crypto binding) by path; like the SDKs, it stays outside.
  external: ['@alicloud/*', 'ali-oss', 'typescript', 'ssh2', 'cpu-features', '*.node'],
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'error',
});
const run = join(bundled, 'bin/run.js');
writeFileSync(
  run,
  readFileSync(run, 'utf8').replace("import('@oclif/core')", "import('../dist/src/oclif-entry.js')"),
);

const emu = await startEmulator();
for (let i = 0; i < 5; i++)
  seedImage(emu, { region: 'cn-hangzhou', name: `floor-${i}`, tags: sindriTags(`f${i}`) });
const cache = mkdtempSync(join(tmpdir(), 'sindri-bench-floor-cache-'));
const env: NodeJS.ProcessEnv = { ...emulatorEnv(emu.url), NODE_COMPILE_CACHE: cache };
const node = process.execPath;
const args = ['packer', 'list', '--region', 'cn-hangzhou'];
try {
  const rows = await timeAlternating(
    [
      { label: 'node -e 0', cmd: node, args: ['-e', '0'] },
      { label: 'sindri --version', cmd: node, args: [join(root, 'bin/run.js'), '--version'] },
      {
        label: 'a bare oclif command that does nothing',
        cmd: node,
        args: [join(bareOclif, 'bin/run.js'), ...args],
      },
      {
        label: 'a sindri command that does nothing (base command)',
        cmd: node,
        args: [join(bareSindri, 'bin/run.js'), ...args],
      },
      {
        label: 'sindri packer list --region (as built)',
        cmd: node,
        args: [join(root, 'bin/run.js'), ...args],
      },
      { label: 'the same, whole CLI bundled', cmd: node, args: [run, ...args] },
    ],
    { runs, env, cwd: env.HOME },
  );
  const [, version, , , built, whole] = rows;
  if (!version || !built || !whole) throw new Error('missing timings');
  printTable(`Cloud command start-up, part by part (${runs} runs each, alternated)`, rows, version);
  summary({
    bench: 'cli-floor',
    measure: 'packer list --region, whole CLI bundled',
    value: whole.medianMs,
    baseline: built.medianMs,
    baselineLabel: 'as built',
    unit: 'ms',
  });
} finally {
  await emu.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
  rmSync(env.HOME as string, { recursive: true, force: true });
}
