// `npm run demo`: the main job end to end on the bundled Alibaba Cloud emulator.
// Starts the emulator, writes a demo sindri.yaml, runs `sindri packer build` (a real `packer build`
// of the rendered template, then copy and share through the SDKs), lists the result, and checks that
// no build resource was left behind.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../test/emulator/index.ts';
import { jsonResult } from '../test/helpers/cli.ts';
import { emulatorEnv } from '../test/helpers/cloud-env.ts';

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));

function sindri(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  capture = false,
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env,
      stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    });
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

const emulator = await startEmulator();
const work = mkdtempSync(join(tmpdir(), 'sindri-demo-'));
const env = emulatorEnv(emulator.url);
let exitCode = 0;
try {
  console.log(`Alibaba Cloud emulator on ${emulator.url}; working in ${work}\n`);
  writeFileSync(
    join(work, 'sindri.yaml'),
    [
      'version: "1.0"',
      'name: sindri-demo',
      'extensions:',
      '  profile: minimal',
      '  additional: [docker, node]',
      'providers:',
      '  packer:',
      '    cloud: alibaba',
      '    image_name: sindri-demo',
      '    description: "Demo image built by sindri against the local emulator"',
      '    build:',
      `      ssh_port: ${emulator.sshPort}`,
      '    alibaba:',
      '      region: cn-hangzhou',
      '      instance_type: ecs.g6.large',
      '      image_copy_regions: [cn-shanghai, ap-southeast-1]',
      '      image_share_accounts: ["1234567890123456"]',
      '    tags:',
      '      Team: platform',
      '',
    ].join('\n'),
  );

  console.log('$ sindri packer build --cloud alibaba');
  const build = await sindri(['packer', 'build', '--cloud', 'alibaba', '--json'], work, env, true);
  if (build.code !== 0) throw new Error(`sindri packer build exited ${build.code}`);
  const result = jsonResult(build.stdout) as { images: Record<string, string>; durationSeconds: number };
  console.log('\nImages:');
  for (const [region, id] of Object.entries(result.images)) console.log(`  ${region.padEnd(16)} ${id}`);

  console.log('\n$ sindri packer build --cloud alibaba   (same configuration again)');
  const again = await sindri(['packer', 'build', '--cloud', 'alibaba', '--json'], work, env, true);
  const cached = jsonResult(again.stdout) as { cached: boolean };
  console.log(`  cache hit: ${cached.cached}`);

  const live = emulator.admin.liveResources();
  const leaks = [
    live.instances,
    live.eips,
    live.securityGroups,
    live.vswitches,
    live.vpcs,
    live.keyPairs,
  ].flat();
  console.log(
    `\nLeak check: ${leaks.length === 0 ? 'no instance, EIP, security group, VSwitch, VPC or key pair left' : `LEAKED ${leaks.map((r) => r.id).join(', ')}`}`,
  );
  console.log(`Self images in the emulator: ${live.images.length} (build region + copies)`);
  if (leaks.length > 0 || !cached.cached) exitCode = 1;
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  exitCode = 1;
} finally {
  await emulator.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(env.HOME as string, { recursive: true, force: true });
}
process.exit(exitCode);
