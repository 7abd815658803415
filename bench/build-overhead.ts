// Orchestration overhead: `sindri packer build` wall time minus `packer build` wall time on the same
// rendered template, both against the local emulator, and the same build through the SDK packages
// (SINDRI_SDK=packages) instead of dist/sdk.cjs. Target: <= 0.75 s.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../test/emulator/index.ts';
import { runPackerBuild } from '../test/emulator/packer-harness.ts';
import { emulatorEnv } from '../test/helpers/cloud-env.ts';
import { summary } from './lib.ts';

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 3);
const emulator = await startEmulator();
const env = emulatorEnv(emulator.url);
const work = mkdtempSync(join(tmpdir(), 'sindri-bench-build-'));

function config(imageName: string): void {
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
const sindriMs: number[] = [];
const packagesMs: number[] = [];
const packerMs: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    config(`bench-sindri-${i}`);
    const start = process.hrtime.bigint();
    const r = await run(['packer', 'build', '--json']);
    if (r.status !== 0) throw new Error(`sindri build failed: ${r.stdout}${r.stderr}`);
    sindriMs.push(Number(process.hrtime.bigint() - start) / 1e6);

    // The same through the SDK packages instead of dist/sdk.cjs (src/cloud/sdk.ts).
    config(`bench-packages-${i}`);
    const startPackages = process.hrtime.bigint();
    const rp = await run(['packer', 'build', '--json'], { SINDRI_SDK: 'packages' });
    if (rp.status !== 0) throw new Error(`sindri build failed: ${rp.stdout}${rp.stderr}`);
    packagesMs.push(Number(process.hrtime.bigint() - startPackages) / 1e6);

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
  const s = median(sindriMs);
  const p = median(packerMs);
  const k = median(packagesMs);
  console.log(`\nOrchestration overhead (${runs} runs each, medians, emulator with instant transitions)`);
  console.log('| measure | ms |');
  console.log('|---|---:|');
  console.log(`| sindri packer build (whole command) | ${s.toFixed(0)} |`);
  console.log(`| packer build alone, same template | ${p.toFixed(0)} |`);
  console.log(`| overhead | ${(s - p).toFixed(0)} |`);
  console.log(`| sindri packer build, SINDRI_SDK=packages | ${k.toFixed(0)} |`);
  console.log(`| overhead with the SDK packages | ${(k - p).toFixed(0)} |`);
  console.log(
    `\noverhead ${((s - p) / 1000).toFixed(2)} s (target <= 0.75 s): ${s - p <= 750 ? 'met' : 'MISSED'}`,
  );
  summary({
    bench: 'build',
    measure: `sindri packer build (overhead ${((s - p) / 1000).toFixed(2)} s)`,
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
