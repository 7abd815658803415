import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClients, resolveCredentials } from '../../src/cloud/index.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { jsonResult, runSindri, STACK_TRACE } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';

interface BuildJson {
  name: string;
  region: string;
  imageId: string;
  images: Record<string, string>;
  configHash: string;
  cached: boolean;
  durationSeconds: number;
  phases: Array<{ name: string; seconds: number }>;
}

function writeConfig(
  dir: string,
  sshPort: number,
  extra: { imageName: string; copyRegions?: string[]; vswitchId?: string },
) {
  const copy = extra.copyRegions ?? [];
  writeFileSync(
    join(dir, 'sindri.yaml'),
    [
      'version: "1.0"',
      'name: build-test',
      'extensions:',
      '  profile: minimal',
      '  additional: [docker, node]',
      'providers:',
      '  packer:',
      '    cloud: alibaba',
      `    image_name: ${extra.imageName}`,
      '    build:',
      `      ssh_port: ${sshPort}`,
      '    alibaba:',
      '      region: cn-hangzhou',
      '      instance_type: ecs.g6.large',
      `      image_copy_regions: [${copy.join(', ')}]`,
      ...(extra.vswitchId ? [`      vswitch_id: ${extra.vswitchId}`] : []),
      '      image_share_accounts: ["1234567890123456"]',
      '    tags:',
      '      Team: platform',
      '',
    ].join('\n'),
  );
}

function leakedBuildResources(emulator: Emulator): string[] {
  const live = emulator.admin.liveResources();
  return [live.instances, live.eips, live.securityGroups, live.vswitches, live.vpcs, live.keyPairs]
    .flat()
    .map((r) => r.id);
}

describe('sindri packer build against the emulator with the real packer', () => {
  let emulator: Emulator;
  let env: NodeJS.ProcessEnv;
  const dirs: string[] = [];
  const workdir = () => {
    const d = mkdtempSync(join(tmpdir(), 'sindri-build-'));
    dirs.push(d);
    return d;
  };

  before(async () => {
    emulator = await startEmulator();
    env = emulatorEnv(emulator.url);
  });
  after(async () => {
    await emulator.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
  });

  it('builds, provisions in order, tags image and snapshots, copies and shares; a rerun is a cache hit', async () => {
    const dir = workdir();
    writeConfig(dir, emulator.sshPort, { imageName: 'sindri-e2e', copyRegions: ['cn-shanghai'] });
    const first = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(first.code, 0, first.stderr);
    const result = jsonResult(first.stdout) as BuildJson;
    assert.equal(result.cached, false);
    assert.match(result.imageId, /^m-/);
    assert.deepEqual(Object.keys(result.images).sort(), ['cn-hangzhou', 'cn-shanghai']);
    assert.ok(
      result.phases.some((p) => p.name === 'provision'),
      JSON.stringify(result.phases),
    );
    assert.deepEqual(leakedBuildResources(emulator), []);

    // The provisioning scripts ran in catalogue order on the fake instance.
    const deleted = emulator.admin.requestLog({ action: 'DeleteInstance' });
    const instanceId = deleted[0]?.params.InstanceId as string;
    assert.ok(instanceId, 'packer deleted its build instance');
    const records = emulator.admin.instanceRecords(instanceId);
    const scripts = records.uploads.map((u) => u.content).filter((c) => c.startsWith('#!'));
    const order = ['cloud-init', 'Extension "docker"', 'Extension "node"'].map((marker) =>
      scripts.findIndex((s) => s.includes(marker)),
    );
    assert.ok(
      order.every((i) => i >= 0),
      `scripts missing: ${order} among ${scripts.length}`,
    );
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
      'base set-up, then docker, then node',
    );

    // Tags on the image and on its snapshots.
    const credentials = await resolveCredentials({ env, home: env.HOME as string });
    const clients = await createClients({ credentials, region: 'cn-hangzhou', env });
    const described = (await clients.call('ecs', 'DescribeImages', {
      regionId: 'cn-hangzhou',
      imageId: result.imageId,
    } as never)) as {
      images?: {
        image?: Array<{
          tags?: { tag?: Array<{ tagKey?: string; tagValue?: string }> };
          diskDeviceMappings?: { diskDeviceMapping?: Array<{ snapshotId?: string }> };
        }>;
      };
    };
    const image = described.images?.image?.[0];
    const tags = Object.fromEntries((image?.tags?.tag ?? []).map((t) => [t.tagKey, t.tagValue]));
    assert.equal(tags.ManagedBy, 'sindri');
    assert.equal(tags['sindri:config-hash'], result.configHash);
    assert.equal(tags.Team, 'platform');
    assert.ok(tags['sindri:build-id']);
    const snapshotIds = (image?.diskDeviceMappings?.diskDeviceMapping ?? []).map((d) => d.snapshotId);
    assert.ok(snapshotIds.length > 0);
    const snaps = (await clients.call('ecs', 'DescribeSnapshots', {
      regionId: 'cn-hangzhou',
      snapshotIds: JSON.stringify(snapshotIds),
    } as never)) as { snapshots?: { snapshot?: Array<{ tags?: { tag?: Array<{ tagKey?: string }> } }> } };
    for (const s of snaps.snapshots?.snapshot ?? []) {
      assert.ok(
        s.tags?.tag?.some((t) => t.tagKey === 'sindri:config-hash'),
        'snapshot carries the hash tag',
      );
    }

    // Shared in both regions.
    for (const [region, id] of Object.entries(result.images)) {
      const perm = (await clients.call('ecs', 'DescribeImageSharePermission', {
        regionId: region,
        imageId: id,
      } as never)) as { accounts?: { account?: Array<{ aliyunId?: string }> } };
      assert.deepEqual(
        (perm.accounts?.account ?? []).map((a) => a.aliyunId),
        ['1234567890123456'],
      );
    }

    // Same configuration again: a cache hit, no instance created.
    emulator.admin.clearRequestLog();
    const second = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(second.code, 0, second.stderr);
    const again = jsonResult(second.stdout) as BuildJson;
    assert.equal(again.cached, true);
    assert.equal(again.imageId, result.imageId);
    assert.deepEqual(again.images, result.images);
    const creates = emulator.admin
      .requestLog()
      .filter(
        (r) => r.action === 'CreateInstance' || r.action === 'RunInstances' || r.action === 'CopyImage',
      );
    assert.deepEqual(creates, []);
  });

  it('refuses a changed configuration under a taken image name, and replaces the image with --force', async () => {
    const dir = workdir();
    writeConfig(dir, emulator.sshPort, { imageName: 'sindri-e2e-name' });
    const first = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(first.code, 0, first.stderr);
    const old = (jsonResult(first.stdout) as BuildJson).imageId;
    // Same name, another instance type: not a cache hit, so the name is taken.
    writeConfig(dir, emulator.sshPort, { imageName: 'sindri-e2e-name' });
    const config = join(dir, 'sindri.yaml');
    // Nothing to copy or share: the swap is still shown as distribution, not as the phase before it.
    const text = readFileSync(config, 'utf8').replace('ecs.g6.large', 'ecs.g6.xlarge');
    writeFileSync(config, text.replace(/^ +image_share_accounts:.*\n/m, ''));
    const taken = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(taken.code, 1, taken.stderr);
    const error = (JSON.parse(taken.stdout) as { error: { code: string; message: string } }).error;
    assert.equal(error.code, 'ImageNameTaken');
    assert.ok(error.message.includes(old));
    const forced = await runSindri(['packer', 'build', '--force', '--json'], { cwd: dir, env });
    assert.equal(forced.code, 0, forced.stderr);
    const swap = /gave the name up|is now sindri-e2e-name|deleted the earlier/;
    const swapLines = forced.stderr.split('\n').filter((l) => swap.test(l));
    assert.equal(swapLines.length, 3, forced.stderr);
    for (const line of swapLines) assert.match(line, /\] distribute +--force: /, line);
    assert.match(forced.stderr, /\] distribute +--force: m-\S+ in cn-hangzhou gave the name up/);
    const named = emulator.admin
      .liveResources('cn-hangzhou')
      .images.filter((i) => i.name === 'sindri-e2e-name');
    assert.deepEqual(
      named.map((i) => i.id),
      [(jsonResult(forced.stdout) as BuildJson).imageId],
    );
  });

  it('uses an existing VSwitch named without its VPC, as in the guide', async () => {
    const credentials = await resolveCredentials({ env, home: env.HOME as string });
    const clients = await createClients({ credentials, region: 'cn-hangzhou', env });
    const vpc = (await clients.call('ecs', 'CreateVpc', {
      regionId: 'cn-hangzhou',
      cidrBlock: '192.168.0.0/16',
    } as never)) as { vpcId: string };
    const vsw = (await clients.call('ecs', 'CreateVSwitch', {
      regionId: 'cn-hangzhou',
      zoneId: 'cn-hangzhou-h',
      vpcId: vpc.vpcId,
      cidrBlock: '192.168.1.0/24',
    } as never)) as { vSwitchId: string };
    const dir = workdir();
    writeConfig(dir, emulator.sshPort, { imageName: 'sindri-e2e-vsw', vswitchId: vsw.vSwitchId });
    emulator.admin.clearRequestLog();
    const run = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      emulator.admin.requestLog().filter((r) => r.action === 'CreateVpc' || r.action === 'CreateVSwitch'),
      [],
      'no temporary network when the VSwitch exists',
    );
    const instance = emulator.admin.requestLog({ action: 'CreateInstance' })[0];
    assert.equal(instance?.params.VSwitchId, vsw.vSwitchId);
    // The user's network stays; remove it so later leak checks start from nothing.
    await clients.call('ecs', 'DeleteVSwitch', {
      regionId: 'cn-hangzhou',
      vSwitchId: vsw.vSwitchId,
    } as never);
    await clients.call('ecs', 'DeleteVpc', { regionId: 'cn-hangzhou', vpcId: vpc.vpcId } as never);
    assert.deepEqual(leakedBuildResources(emulator), []);
  });

  it('fails with exit 1 naming the failing script and its output, leaving nothing behind', async () => {
    const dir = workdir();
    writeConfig(dir, emulator.sshPort, { imageName: 'sindri-e2e-fail' });
    const rule = emulator.admin.setCommandResult({
      match: 'Extension "docker"',
      exitCode: 1,
      stderr: 'docker: command not found',
    });
    try {
      const run = await runSindri(['packer', 'build'], { cwd: dir, env });
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /packer build failed while running \S*docker\S*\.sh/);
      assert.match(run.stderr, /docker: command not found/, 'the tail of the script output');
      assert.doesNotMatch(run.stderr, STACK_TRACE);
      assert.deepEqual(leakedBuildResources(emulator), []);
    } finally {
      emulator.admin.clearCommandResults();
      void rule;
    }
  });
});
