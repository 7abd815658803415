/** `sindri packer deploy` against the emulator: success, network from config, and clean-up on failure. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { createClients } from '../../src/cloud/index.ts';
import {
  type Emulator,
  ROOT_ACCESS_KEY_ID,
  ROOT_ACCESS_KEY_SECRET,
  startEmulator,
} from '../emulator/index.ts';
import { jsonResult, STACK_TRACE, sindriBin } from '../helpers/cli.ts';
import { type CliSandbox, cliSandbox, seedImage } from './helpers.ts';

let emu: Emulator;
let box: CliSandbox;
let pubKeyFile: string;

before(async () => {
  emu = await startEmulator();
  box = await cliSandbox(emu);
  const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'dev@example.com' });
  pubKeyFile = join(box.home, 'id_ed25519.pub');
  await writeFile(pubKeyFile, `${pair.public}\n`);
});
after(async () => {
  await box.dispose();
  await emu.stop();
});
beforeEach(() => {
  emu.admin.reset();
  emu.admin.setTimeScale(0);
});

const REGION = 'cn-hangzhou';

/** A VPC, VSwitch and security group made through the API, as a user would have them. */
async function network(): Promise<{ vswitchId: string; securityGroupId: string }> {
  const c = await createClients({
    credentials: { accessKeyId: ROOT_ACCESS_KEY_ID, accessKeySecret: ROOT_ACCESS_KEY_SECRET, source: 'test' },
    region: REGION,
    env: { SINDRI_ENDPOINT: emu.url },
  });
  const vpc = await c.call('ecs', 'CreateVpc', { regionId: REGION, cidrBlock: '192.168.0.0/16' });
  const vsw = await c.call('ecs', 'CreateVSwitch', {
    regionId: REGION,
    vpcId: vpc.vpcId,
    zoneId: 'cn-hangzhou-g',
    cidrBlock: '192.168.1.0/24',
  });
  const sg = await c.call('ecs', 'CreateSecurityGroup', { regionId: REGION, vpcId: vpc.vpcId });
  return { vswitchId: vsw.vSwitchId as string, securityGroupId: sg.securityGroupId as string };
}

function netArgs(n: { vswitchId: string; securityGroupId: string }): string[] {
  return ['--vswitch-id', n.vswitchId, '--security-group-id', n.securityGroupId];
}

/** Nothing a deploy could create is left: instances, their disks, imported key pairs. */
function assertNothingLeft(): void {
  const live = emu.admin.liveResources(REGION);
  assert.deepEqual(live.instances, [], 'instances');
  assert.deepEqual(live.disks, [], 'disks');
  assert.deepEqual(live.keyPairs, [], 'key pairs');
}

interface DeployJson {
  instanceId: string;
  status: string;
  privateIp?: string;
  publicIp?: string;
  keyPairName?: string;
  keyPairImported: boolean;
  ssh?: string;
  clientToken: string;
}

describe('sindri packer deploy', () => {
  it('runs an instance with a ClientToken, an imported key and a public IP, and waits until Running', async () => {
    const { image } = seedImage(emu, { region: REGION, name: 'sindri-web' });
    const net = await network();
    const res = await box.run([
      'packer',
      'deploy',
      image.id,
      ...netArgs(net),
      '--instance-type',
      'ecs.g6.large',
      '--ssh-public-key',
      pubKeyFile,
      '--public-ip',
      '--json',
    ]);
    assert.equal(res.code, 0, res.stderr);
    const out = jsonResult(res.stdout) as DeployJson;
    assert.equal(out.status, 'Running');
    assert.equal(out.publicIp, '127.0.0.1');
    assert.equal(out.privateIp, '127.0.0.1');
    assert.match(out.keyPairName ?? '', /^sindri-[0-9a-f]{20}$/);
    assert.equal(out.keyPairImported, true);
    assert.equal(out.ssh, `ssh -i ${pubKeyFile.slice(0, -4)} root@127.0.0.1`);

    const [run] = emu.admin.requestLog({ action: 'RunInstances' });
    assert.ok(run);
    assert.equal(run.params.ClientToken, out.clientToken);
    assert.equal(run.params.ImageId, image.id);
    assert.equal(run.params.InstanceType, 'ecs.g6.large');
    assert.equal(run.params.VSwitchId, net.vswitchId);
    assert.equal(run.params.KeyPairName, out.keyPairName);
    assert.ok(Number(run.params.InternetMaxBandwidthOut) > 0);
    const instance = emu.admin.world.get('instance', REGION, out.instanceId);
    assert.equal(instance?.tags.get('ManagedBy'), 'sindri');
    assert.equal(instance?.tags.get('sindri:image-id'), image.id);
    assert.equal(instance?.tags.get('sindri:deploy-id'), out.clientToken);

    // The same key again: the key pair named after it is reused, not imported twice.
    const again = await box.run([
      'packer',
      'deploy',
      image.id,
      ...netArgs(net),
      '--ssh-public-key',
      pubKeyFile,
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(emu.admin.requestLog({ action: 'ImportKeyPair' }).length, 1);
    assert.match(again.stdout, /^instance: {3}i-\S+/m);
    assert.match(again.stdout, /^private IP: 127\.0\.0\.1$/m);
    assert.match(again.stdout, /^public IP: {2}-$/m);
    assert.match(again.stdout, new RegExp(`^key pair: {3}${out.keyPairName}$`, 'm'));
    assert.match(again.stdout, /^ssh: {8}ssh -i \S+id_ed25519 root@127\.0\.0\.1$/m);
    assert.equal(emu.admin.liveResources(REGION).instances.length, 2);
  });

  it('takes the region, instance type, network and tags from sindri.yaml; flags win', async () => {
    const { image } = seedImage(emu, { region: REGION, name: 'sindri-web' });
    const net = await network();
    const config = join(box.cwd, 'sindri.yaml');
    await writeFile(
      config,
      `version: "1.0"
name: deploy-test
deployment:
  provider: packer
providers:
  packer:
    cloud: alibaba
    image_name: sindri-deploy-test
    alibaba:
      region: ${REGION}
      instance_type: ecs.c6.xlarge
      vpc_id: vpc-bp1example000000000
      vswitch_id: ${net.vswitchId}
      security_group_id: ${net.securityGroupId}
    tags:
      team: platform
`,
    );
    try {
      const res = await box.run(['packer', 'deploy', image.id, '--json'], {
        env: { ALICLOUD_REGION: 'cn-beijing' },
      });
      assert.equal(res.code, 0, res.stderr);
      const out = jsonResult(res.stdout) as DeployJson;
      const instance = emu.admin.world.get('instance', REGION, out.instanceId);
      assert.equal(instance?.instanceType, 'ecs.c6.xlarge');
      assert.equal(instance?.vswitchId, net.vswitchId);
      assert.equal(instance?.tags.get('team'), 'platform');
      const flagged = await box.run([
        'packer',
        'deploy',
        image.id,
        '--instance-type',
        'ecs.g6.large',
        '--json',
      ]);
      assert.equal(flagged.code, 0, flagged.stderr);
      const id = (jsonResult(flagged.stdout) as DeployJson).instanceId;
      assert.equal(emu.admin.world.get('instance', REGION, id)?.instanceType, 'ecs.g6.large');
    } finally {
      await rm(config);
    }
  });

  it('deletes the instance and the imported key pair when waiting for Running fails', async () => {
    const { image } = seedImage(emu, { region: REGION, name: 'sindri-web' });
    const net = await network();
    emu.admin.injectFault({ action: 'DescribeInstances', code: 'Forbidden.RAM', count: 1 });
    const res = await box.run([
      'packer',
      'deploy',
      image.id,
      ...netArgs(net),
      '--ssh-public-key',
      pubKeyFile,
    ]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /Forbidden\.RAM/);
    assert.match(res.stderr, /deleted instance i-\S+/);
    assert.match(res.stderr, /deleted key pair sindri-/);
    assert.doesNotMatch(res.stderr, STACK_TRACE);
    assert.equal(res.stdout, '');
    assert.equal(emu.admin.requestLog({ action: 'RunInstances' }).length, 1);
    assert.equal(emu.admin.requestLog({ action: 'DeleteInstance' })[0]?.params.Force, 'true');
    assertNothingLeft();
  });

  it('deletes the instance when it is not Running within --timeout', async () => {
    const { image } = seedImage(emu, { region: REGION, name: 'sindri-web' });
    const net = await network();
    emu.admin.setTimeScale(1); // Pending for 5 s, Starting for 10 s.
    const res = await box.run(['packer', 'deploy', image.id, ...netArgs(net), '--timeout', '1', '--json']);
    assert.equal(res.code, 1);
    const err = JSON.parse(res.stdout) as { error: { code: string; message: string } };
    assert.equal(err.error.code, 'WaitTimeout');
    assert.match(err.error.message, /last seen: Pending/);
    assert.match(res.stderr, /deleted instance/);
    assertNothingLeft();
  });

  it('deletes the instance on Ctrl-C while waiting and exits 130', async () => {
    const { image } = seedImage(emu, { region: REGION, name: 'sindri-web' });
    const net = await network();
    emu.admin.setTimeScale(1);
    const child = spawn(process.execPath, [sindriBin, 'packer', 'deploy', image.id, ...netArgs(net)], {
      cwd: box.cwd,
      env: box.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const deadline = Date.now() + 10_000;
    while (emu.admin.liveResources(REGION).instances.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(emu.admin.liveResources(REGION).instances.length, 1, 'the instance exists');
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    assert.match(stderr, /Interrupted; the instance was deleted/);
    assertNothingLeft();
  });

  it('keeps the instance with --keep-on-failure', async () => {
    const { image } = seedImage(emu, { region: REGION, name: 'sindri-web' });
    const net = await network();
    emu.admin.injectFault({ action: 'DescribeInstances', code: 'Forbidden.RAM', count: 1 });
    const res = await box.run(['packer', 'deploy', image.id, ...netArgs(net), '--keep-on-failure']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /kept instance i-\S+ \(--keep-on-failure\)/);
    assert.equal(emu.admin.liveResources(REGION).instances.length, 1);
    assert.equal(emu.admin.requestLog({ action: 'DeleteInstance' }).length, 0);
  });

  it('removes an imported key pair when RunInstances itself is refused', async () => {
    const { image } = seedImage(emu, { region: REGION, name: 'sindri-web' });
    const net = await network();
    const res = await box.run([
      'packer',
      'deploy',
      image.id,
      ...netArgs(net),
      '--instance-type',
      'ecs.nonexistent',
      '--ssh-public-key',
      pubKeyFile,
    ]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /InvalidInstanceType/);
    assertNothingLeft();
  });

  it('refuses without a network (exit 2) and names an unknown image (exit 1)', async () => {
    const { image } = seedImage(emu, { region: REGION, name: 'sindri-web' });
    const noNet = await box.run(['packer', 'deploy', image.id]);
    assert.equal(noNet.code, 2);
    assert.match(noNet.stderr, /--vswitch-id and --security-group-id/);
    const net = await network();
    const unknown = await box.run(['packer', 'deploy', 'm-bp1doesnotexist000', ...netArgs(net)]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No image m-bp1doesnotexist000 in cn-hangzhou/);
    const both = await box.run([
      'packer',
      'deploy',
      image.id,
      ...netArgs(net),
      '--key-pair',
      'k',
      '--ssh-public-key',
      pubKeyFile,
    ]);
    assert.equal(both.code, 2);
    assert.equal(emu.admin.requestLog({ action: 'RunInstances' }).length, 0);
  });

  it('deploys a Deprecated image (it still launches instances) and refuses one still being created', async () => {
    const net = await network();
    const { image } = seedImage(emu, { region: REGION, name: 'sindri-old', status: 'Deprecated' });
    const res = await box.run(['packer', 'deploy', image.id, ...netArgs(net), '--json']);
    assert.equal(res.code, 0, res.stderr);
    const out = jsonResult(res.stdout) as DeployJson & { imageStatus: string };
    assert.equal(out.status, 'Running');
    assert.equal(out.imageStatus, 'Deprecated');
    assert.equal(emu.admin.requestLog({ action: 'RunInstances' })[0]?.params.ImageId, image.id);

    const creating = seedImage(emu, { region: REGION, name: 'sindri-new', status: 'Creating' }).image;
    const refused = await box.run(['packer', 'deploy', creating.id, ...netArgs(net), '--json']);
    assert.equal(refused.code, 1);
    const error = JSON.parse(refused.stdout).error as { code: string; actions: string[] };
    assert.equal(error.code, 'ImageNotAvailable');
    assert.match(error.actions.join(' '), /wait until the image is Available/);
  });
});
