import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Emulator, ROOT_ACCOUNT_ID, SECOND_ACCOUNT_ID, startEmulator } from './index.ts';
import { runPackerBuild } from './packer-harness.ts';

const TEMPLATE = new URL('../fixtures/emulator/packer/build.pkr.hcl', import.meta.url).pathname;

let emu: Emulator;
before(async () => {
  emu = await startEmulator();
});
after(async () => {
  await emu.stop();
});

function assertNoLeaks(): void {
  const live = emu.admin.liveResources();
  for (const kind of ['instances', 'eips', 'securityGroups', 'vswitches', 'vpcs', 'keyPairs'] as const)
    assert.deepEqual(live[kind], [], `leaked ${kind}: ${JSON.stringify(live[kind])}`);
}

test('the real packer builds a sindri-shaped template end to end through the emulator', async () => {
  const result = await runPackerBuild({
    emulatorUrl: emu.url,
    template: TEMPLATE,
    vars: {
      image_name: 'sindri-e2e',
      ssh_port: emu.sshPort,
      copy_regions: ['cn-shanghai'],
      share_accounts: [SECOND_ACCOUNT_ID],
    },
    timeoutMs: 120_000,
  });
  assert.equal(result.exitCode, 0, `packer failed:\n${result.ui.join('\n')}\n${result.stderr}`);
  assert.ok(result.durationMs < 60_000, `packer took ${result.durationMs} ms`);

  // Artifact line: one image per region.
  assert.deepEqual(Object.keys(result.artifacts).sort(), ['cn-hangzhou', 'cn-shanghai']);
  const built = result.artifacts['cn-hangzhou'] ?? '';
  const copied = result.artifacts['cn-shanghai'] ?? '';
  assert.match(built, /^m-bp1[a-z0-9]{17}$/);
  assert.match(copied, /^m-uf6[a-z0-9]{17}$/);

  // The API conversation followed the VPC + EIP path, and the location service was refused.
  const actions = emu.admin.requestLog().map((e) => e.action ?? `${e.method} ${e.host}`);
  for (const a of [
    'CreateKeyPair',
    'CreateVpc',
    'CreateVSwitch',
    'CreateSecurityGroup',
    'CreateInstance',
    'AllocateEipAddress',
    'AssociateEipAddress',
    'AttachKeyPair',
    'StartInstance',
    'StopInstance',
    'CreateImage',
    'AddTags',
    'CopyImage',
    'ModifyImageSharePermission',
    'ReleaseEipAddress',
    'DeleteInstance',
    'DeleteSecurityGroup',
    'DeleteVSwitch',
    'DeleteVpc',
    'DeleteKeyPairs',
  ])
    assert.ok(actions.includes(a), `packer never called ${a}`);
  assert.ok(actions.includes('CONNECT location-readonly.aliyuncs.com:443'));
  assert.ok(
    emu.admin.requestLog().every((e) => e.status === 200 || e.method === 'CONNECT'),
    'an API call failed',
  );
  assert.ok(
    emu.admin
      .requestLog()
      .filter((e) => e.action)
      .every((e) => e.signatureMethod === 'HMAC-SHA1'),
  );

  // The shell provisioner ran on the fake instance: its script was uploaded by scp and executed.
  const create = emu.admin.requestLog({ action: 'CreateInstance' })[0];
  const instanceId = emu.admin.requestLog({ action: 'StartInstance' })[0]?.params.InstanceId ?? '';
  assert.ok(create && instanceId.startsWith('i-'));
  const records = emu.admin.instanceRecords(instanceId);
  assert.equal(records.logins[0]?.method, 'publickey');
  const script = records.uploads.find((u) => u.content.includes('sindri-provisioning-marker'));
  assert.ok(script, 'the provisioning script was not uploaded');
  assert.equal(script.via, 'scp');
  assert.match(script.path, /^\/tmp\/script_\d+\.sh$/);
  assert.ok(
    records.commands.some(
      (c) => c.command.includes(script.path) && c.command.includes("SINDRI_PROFILE='fullstack'"),
    ),
    `script never executed: ${JSON.stringify(records.commands)}`,
  );

  // Image, tags, copy and share are visible in the emulator's state.
  const live = emu.admin.liveResources();
  const image = live.images.find((i) => i.id === built);
  assert.deepEqual(image && { name: image.name, status: image.status, accountId: image.accountId }, {
    name: 'sindri-e2e',
    status: 'Available',
    accountId: ROOT_ACCOUNT_ID,
  });
  assert.ok(live.images.some((i) => i.id === copied && i.regionId === 'cn-shanghai'));
  const world = emu.admin.world;
  const img = world.get('image', 'cn-hangzhou', built);
  assert.equal(img?.tags.get('ManagedBy'), 'sindri');
  assert.equal(img?.tags.get('Environment'), 'test');
  assert.ok(img?.shareAccounts.has(SECOND_ACCOUNT_ID));
  const snap = world.get('snapshot', 'cn-hangzhou', img?.snapshotIds[0] ?? '');
  assert.equal(snap?.tags.get('ManagedBy'), 'sindri');
  assert.ok(world.get('image', 'cn-shanghai', copied)?.shareAccounts.has(SECOND_ACCOUNT_ID));

  assertNoLeaks();
});

test('a failing provisioning command fails the packer build and packer still cleans up', async () => {
  emu.admin.setCommandResult({ match: 'apt-get update', exitCode: 100, stderr: 'E: Could not get lock\n' });
  const result = await runPackerBuild({
    emulatorUrl: emu.url,
    template: TEMPLATE,
    vars: { image_name: 'sindri-e2e-failing', ssh_port: emu.sshPort },
    timeoutMs: 120_000,
  });
  assert.equal(result.exitCode, 1);
  assert.deepEqual(result.artifacts, {});
  assert.ok(
    result.ui.some((l) => l.includes('non-zero exit status: 100')),
    result.ui.join('\n'),
  );
  assert.ok(!emu.admin.liveResources().images.some((i) => i.name === 'sindri-e2e-failing'));
  assertNoLeaks();
});
