/**
 * Cloud command start-up: `sindri packer list --region cn-hangzhou` (one DescribeImages call against the
 * emulator, five images listed) against `sindri --version` and `node -e 0`, and the same listing from the
 * files in dist/src (SINDRI_CLI=files) and through the SDK packages (SINDRI_SDK=packages), all alternated
 * in one run. Target: the listing within 3x `sindri --version`. Run: ./node_modules/.bin/node bench/cloud-start.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../test/emulator/index.ts';
import { emulatorEnv } from '../test/helpers/cloud-env.ts';
import { seedImage, sindriTags } from '../test/lifecycle/helpers.ts';
import { printTable, summary, timeAlternating } from './lib.ts';

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 15);
const emu = await startEmulator();
for (let i = 0; i < 5; i++)
  seedImage(emu, { region: 'cn-hangzhou', name: `bench-${i}`, tags: sindriTags(`b${i}`) });
const cacheDir = mkdtempSync(join(tmpdir(), 'sindri-bench-cache-'));
const env: NodeJS.ProcessEnv = { ...emulatorEnv(emu.url), NODE_COMPILE_CACHE: cacheDir };

try {
  const rows = await timeAlternating(
    [
      { label: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
      { label: 'sindri --version', cmd: process.execPath, args: [bin, '--version'] },
      {
        label: 'sindri packer list --region cn-hangzhou',
        cmd: process.execPath,
        args: [bin, 'packer', 'list', '--region', 'cn-hangzhou'],
      },
      // The same from the files in dist/src instead of dist/cli.cjs (bin/run.js): the layout before.
      {
        label: 'the same, SINDRI_CLI=files',
        cmd: 'env',
        args: ['SINDRI_CLI=files', process.execPath, bin, 'packer', 'list', '--region', 'cn-hangzhou'],
      },
      // The same through the SDK packages instead of dist/sdk.cjs (src/cloud/sdk.ts).
      {
        label: 'the same, SINDRI_SDK=packages',
        cmd: 'env',
        args: ['SINDRI_SDK=packages', process.execPath, bin, 'packer', 'list', '--region', 'cn-hangzhou'],
      },
    ],
    { runs, env, cwd: env.HOME },
  );
  const [node, version, list, files, packages] = rows;
  if (!node || !version || !list || !files || !packages) throw new Error('missing timings');
  printTable(
    `Cloud command start-up (${runs} runs each, alternated, Node ${process.version})`,
    rows,
    version,
  );
  const ratio = list.medianMs / version.medianMs;
  console.log(
    `\npacker list --region: ${ratio.toFixed(2)}x sindri --version (target <= 3x): ${ratio <= 3 ? 'met' : 'MISSED'}`,
  );
  console.log(
    `the files in dist/src instead of dist/cli.cjs: ${(files.medianMs / version.medianMs).toFixed(2)}x sindri --version`,
  );
  console.log(
    `the SDK packages instead of dist/sdk.cjs: ${(packages.medianMs / version.medianMs).toFixed(2)}x sindri --version`,
  );
  summary({
    bench: 'cloud-start',
    measure: 'sindri packer list --region (1 call)',
    value: list.medianMs,
    baseline: version.medianMs,
    baselineLabel: 'sindri --version',
    unit: 'ms',
    target: '<= 3',
  });
} finally {
  await emu.stop();
  rmSync(cacheDir, { recursive: true, force: true });
  rmSync(env.HOME as string, { recursive: true, force: true });
}
