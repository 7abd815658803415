import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_DELAYS, type Emulator, startEmulator } from '../emulator/index.ts';
import { interruptWhen, jsonResult, runSindri, STACK_TRACE } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';

describe('interrupting sindri packer build', () => {
  let emulator: Emulator;
  let env: NodeJS.ProcessEnv;
  let dir: string;

  before(async () => {
    emulator = await startEmulator();
    env = emulatorEnv(emulator.url);
    dir = mkdtempSync(join(tmpdir(), 'sindri-interrupt-'));
    writeFileSync(
      join(dir, 'sindri.yaml'),
      [
        'version: "1.0"',
        'name: interrupt-test',
        'extensions:',
        '  profile: fullstack',
        'providers:',
        '  packer:',
        '    cloud: alibaba',
        '    image_name: sindri-interrupted',
        '    build:',
        `      ssh_port: ${emulator.sshPort}`,
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
  });

  it('SIGINT during provisioning exits 130, lets packer clean up and leaks nothing', async () => {
    const { code, stderr, sent } = await interruptWhen(['packer', 'build'], {
      cwd: dir,
      env,
      when: /provision\s+step \d+\//,
    });
    assert.ok(sent, `never reached provisioning:\n${stderr}`);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted; packer cleaned up/);
    assert.doesNotMatch(stderr, STACK_TRACE);
    const live = emulator.admin.liveResources();
    const leaks = [
      live.instances,
      live.eips,
      live.securityGroups,
      live.vswitches,
      live.vpcs,
      live.keyPairs,
      live.images,
    ];
    assert.deepEqual(leaks.flat(), []);
    // The build record says where it stopped, for a later resume.
    const builds = join(dir, '.sindri', 'builds');
    const [buildId] = readdirSync(builds);
    const record = JSON.parse(readFileSync(join(builds, buildId as string, 'record.json'), 'utf8')) as {
      status: string;
    };
    assert.equal(record.status, 'interrupted');
  });

  it('SIGINT during distribution exits 130; the same build then resumes it with one copy per region', async () => {
    // Real time, but only copies take any: 1.5 s each, long enough to interrupt.
    const instant = Object.fromEntries(Object.keys(DEFAULT_DELAYS).map((k) => [k, 0]));
    emulator.admin.setTimeScale(1);
    emulator.admin.setDelays({ ...instant, imageCopy: 1.5 });
    const config = join(dir, 'sindri.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8')
        .replace('sindri-interrupted', 'sindri-interrupted-copy')
        .concat('    alibaba:\n      image_copy_regions: [cn-shanghai, cn-beijing]\n'),
    );
    const { code, stderr, sent } = await interruptWhen(['packer', 'build'], {
      cwd: dir,
      env,
      when: /distribute\s+\S+: copying/,
    });
    assert.ok(sent, `never reached distribution:\n${stderr}`);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted during distribution/);

    emulator.admin.setDelays({ imageCopy: 0 });
    const again = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(again.code, 0, again.stderr);
    const result = jsonResult(again.stdout) as { cached: boolean; images: Record<string, string> };
    assert.equal(result.cached, true);
    assert.deepEqual(Object.keys(result.images).sort(), ['cn-beijing', 'cn-hangzhou', 'cn-shanghai']);
    for (const region of ['cn-shanghai', 'cn-beijing']) {
      const copies = emulator.admin
        .liveResources(region)
        .images.filter((i) => i.name === 'sindri-interrupted-copy');
      assert.equal(copies.length, 1, `${region}: ${JSON.stringify(copies)}`);
    }
  });
});
