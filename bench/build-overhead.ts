// Orchestration overhead: `sindri packer build` wall time minus `packer build` wall time on the same
// rendered template, both against the local emulator, and the same build through the SDK packages
// (SINDRI_SDK=packages) instead of dist/sdk.cjs; alternated, run by run. Target: <= 0.75 s.
// packer alone runs no test stage, so the overhead is measured with `tests: { enabled: false }`; a third
// column runs the same build with the test stage (an instance of the image, its checks, its SBOM).
// packer's own run varies by a few hundred ms from run to run, so each sindri build also reports the time
// it spent outside its `packer build` (a wrapper around packer, SINDRI_PACKER, notes when that starts
// and ends): the same overhead without packer's variance.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { whichPacker } from '../src/packer/binary.ts';
import { startEmulator } from '../test/emulator/index.ts';
import { runPackerBuild } from '../test/emulator/packer-harness.ts';
import { emulatorEnv } from '../test/helpers/cloud-env.ts';
import { summary } from './lib.ts';

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 5);
const emulator = await startEmulator();
const work = mkdtempSync(join(tmpdir(), 'sindri-bench-build-'));
const realPacker = await whichPacker();
if (!realPacker) throw new Error('packer is not on PATH');
const spans = join(work, 'packer-spans.log');
const wrapper = join(work, 'packer');
writeFileSync(
  wrapper,
  `#!/bin/sh\necho "start $1 $(date +%s%N)" >> ${spans}\n${realPacker} "$@"\nrc=$?\necho "end $1 $(date +%s%N)" >> ${spans}\nexit $rc\n`,
);
chmodSync(wrapper, 0o755);
const env = emulatorEnv(emulator.url, undefined, { SINDRI_PACKER: wrapper });

/** How long the last sindri run's `packer build` took (from the wrapper's notes). */
function packerSpan(): number {
  const lines = readFileSync(spans, 'utf8').trim().split('\n');
  writeFileSync(spans, '');
  const at = (kind: string) => Number(lines.find((l) => l.startsWith(`${kind} build `))?.split(' ')[2]);
  return (at('end') - at('start')) / 1e6;
}

function config(imageName: string, tests = false): void {
  writeFileSync(
    join(work, 'sindri.yaml'),
    [
      'version: "1.0"',
      'name: bench',
      'extensions: { profile: fullstack }',
      'providers:',
      '  packer:',
      '    cloud: alibaba',
      `    image_name: ${imageName}`,
      `    build: { cache: false, ssh_port: ${emulator.sshPort} }`,
      ...(tests ? [] : ['tests: { enabled: false }']),
      '',
    ].join('\n'),
  );
}

/** Asynchronous on purpose: the emulator runs in this process and must keep answering. */
function run(
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: work,
      env: { ...env, ...extraEnv },
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const modes = [
  { name: 'dist/sdk.cjs', env: {}, tests: false },
  { name: 'SINDRI_SDK=packages', env: { SINDRI_SDK: 'packages' }, tests: false },
  { name: 'with the test stage', env: {}, tests: true },
];
const wall = new Map<string, number[]>(modes.map((m) => [m.name, []]));
const outside = new Map<string, number[]>(modes.map((m) => [m.name, []]));
const packerMs: number[] = [];
try {
  writeFileSync(spans, '');
  for (let i = 0; i < runs; i++) {
    for (const mode of modes) {
      config(`bench-${mode.name.replace(/\W+/g, '-')}-${i}`, mode.tests);
      const start = process.hrtime.bigint();
      const r = await run(['packer', 'build', '--json'], mode.env);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (r.status !== 0) throw new Error(`sindri build failed: ${r.stdout}${r.stderr}`);
      wall.get(mode.name)?.push(ms);
      outside.get(mode.name)?.push(ms - packerSpan());
    }

    config(`bench-packer-${i}`);
    const out = join(work, `tpl-${i}`);
    const t = await run(['packer', 'template', '--out', out]);
    if (t.status !== 0) throw new Error(`sindri template failed: ${t.stderr}`);
    // Relative script paths in the template resolve from packer's working directory.
    process.chdir(out);
    const p = await runPackerBuild({
      emulatorUrl: emulator.url,
      template: join(out, 'sindri.pkr.hcl'),
      vars: { build_id: `bench-${i}` },
    });
    process.chdir(work);
    if (p.exitCode !== 0) throw new Error(`packer build failed: ${p.stderr}\n${p.ui.slice(-5).join('\n')}`);
    packerMs.push(p.durationMs);
  }
  const p = median(packerMs);
  const s = median(wall.get('dist/sdk.cjs') ?? []);
  console.log(
    `\nOrchestration overhead (${runs} runs each, alternated, medians, emulator with instant transitions)`,
  );
  console.log(`| measure | ${modes.map((m) => m.name).join(' | ')} |`);
  console.log(`|---|${modes.map(() => '---:').join('|')}|`);
  const cells = (f: (m: string) => number) => modes.map((m) => f(m.name).toFixed(0)).join(' | ');
  console.log(`| sindri packer build (whole command), ms | ${cells((m) => median(wall.get(m) ?? []))} |`);
  console.log(`| packer build alone, same template, ms | ${modes.map(() => p.toFixed(0)).join(' | ')} |`);
  console.log(`| overhead (the difference), ms | ${cells((m) => median(wall.get(m) ?? []) - p)} |`);
  console.log(`| sindri outside its packer build, ms | ${cells((m) => median(outside.get(m) ?? []))} |`);
  console.log(
    `\noverhead ${((s - p) / 1000).toFixed(2)} s (target <= 0.75 s): ${s - p <= 750 ? 'met' : 'MISSED'}`,
  );
  summary({
    bench: 'build',
    measure: `sindri packer build (overhead ${((s - p) / 1000).toFixed(2)} s; outside packer ${(median(outside.get('dist/sdk.cjs') ?? []) / 1000).toFixed(2)} s)`,
    value: s,
    baseline: p,
    baselineLabel: 'packer build alone',
    unit: 'ms',
    target: 'overhead <= 0.75 s',
  });
} finally {
  await emulator.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(env.HOME as string, { recursive: true, force: true });
}
