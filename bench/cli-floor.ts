/**
 * What the start-up of a cloud command is made of, and what the bundle and its code cache save
 * (scripts/build-cli.ts, src/util/code-cache.ts): copies of the built package in which `packer list` is
 * a command that does nothing (a bare oclif command, then one on sindri's base command), each bundled as
 * the build bundles the real one; against `sindri packer list --region cn-hangzhou` as built, through
 * the files in dist/src (SINDRI_CLI=files, the layout before the bundle) and with no compile cache at
 * all (NODE_DISABLE_COMPILE_CACHE=1); all alternated in one run.
 * Run: ./node_modules/.bin/node bench/cli-floor.ts (after npm run build).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../test/emulator/index.ts';
import { emulatorEnv } from '../test/helpers/cloud-env.ts';
import { seedImage, sindriTags } from '../test/lifecycle/helpers.ts';
import { printTable, summary, timeAlternating } from './lib.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 15);
const work = mkdtempSync(join(tmpdir(), 'sindri-bench-floor-'));

/** A copy of the built package (node_modules linked) whose `packer list` is `source`, bundled. */
function copyWithList(name: string, source: string): string {
  const dir = join(work, name);
  for (const f of ['package.json', 'oclif.manifest.json', 'bin', 'dist', 'schemas', 'templates']) {
    cpSync(join(root, f), join(dir, f), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'dist/src/commands/packer/list.js'), source);
  execFileSync(process.execPath, [join(root, 'scripts/build-cli.ts'), '--root', dir], { stdio: 'ignore' });
  return dir;
}

const bareOclif = copyWithList(
  'bare-oclif',
  `import { Command, Flags } from '@oclif/core';
export default class List extends Command {
  static flags = { region: Flags.string({}) };
  async run() { await this.parse(List); }
}
`,
);
const bareSindri = copyWithList(
  'bare-sindri',
  `import { Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.js';
export default class List extends SindriCommand {
  static flags = { region: Flags.string({}) };
  async run() { await this.parse(List); return {}; }
}
`,
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
      {
        label: 'the same, SINDRI_CLI=files (no bundle)',
        cmd: 'env',
        args: ['SINDRI_CLI=files', node, join(root, 'bin/run.js'), ...args],
      },
      {
        label: 'the same, NODE_DISABLE_COMPILE_CACHE=1',
        cmd: 'env',
        args: ['NODE_DISABLE_COMPILE_CACHE=1', node, join(root, 'bin/run.js'), ...args],
      },
    ],
    { runs, env, cwd: env.HOME },
  );
  const [, version, , , built, files] = rows;
  if (!version || !built || !files) throw new Error('missing timings');
  printTable(`Cloud command start-up, part by part (${runs} runs each, alternated)`, rows, version);
  summary({
    bench: 'cli-floor',
    measure: 'packer list --region, bundled with its code cache',
    value: built.medianMs,
    baseline: files.medianMs,
    baselineLabel: 'the files in dist/src',
    unit: 'ms',
  });
} finally {
  await emu.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
  rmSync(env.HOME as string, { recursive: true, force: true });
}
