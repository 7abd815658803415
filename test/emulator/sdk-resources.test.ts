import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import ssh2 from 'ssh2';
import {
  type Emulator,
  EXPORT_ROLE,
  ROOT_ACCESS_KEY_ID,
  ROOT_ACCESS_KEY_SECRET,
  ROOT_ACCOUNT_ID,
  SECOND_ACCESS_KEY_ID,
  SECOND_ACCESS_KEY_SECRET,
  SECOND_ACCOUNT_ID,
  startEmulator,
} from './index.ts';
import { $Ecs, $Vpc, type Clients, sdkClients, sdkError } from './sdk.ts';

const REGION = 'cn-hangzhou';
const UBUNTU = 'ubuntu_24_04_x64_20G_alibase_20240812.vhd';
let emu: Emulator;
let c: Clients;
before(async () => {
  emu = await startEmulator();
  c = sdkClients(emu.endpoint, { accessKeyId: ROOT_ACCESS_KEY_ID, accessKeySecret: ROOT_ACCESS_KEY_SECRET });
});
after(async () => {
  await emu.stop();
});
beforeEach(() => {
  emu.admin.reset();
});

/** VPC + VSwitch + security group, through the VPC API and ECS API. */
async function network(): Promise<{ vpcId: string; vswitchId: string; securityGroupId: string }> {
  const vpc = await c.vpc.createVpc(
    new $Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: '192.168.0.0/16', vpcName: 'sindri' }),
  );
  const vpcId = vpc.body?.vpcId ?? '';
  const vsw = await c.vpc.createVSwitch(
    new $Vpc.CreateVSwitchRequest({
      regionId: REGION,
      vpcId,
      zoneId: 'cn-hangzhou-h',
      cidrBlock: '192.168.1.0/24',
    }),
  );
  const sg = await c.ecs.createSecurityGroup(
    new $Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId }),
  );
  return { vpcId, vswitchId: vsw.body?.vSwitchId ?? '', securityGroupId: sg.body?.securityGroupId ?? '' };
}

async function runInstance(
  net: { vswitchId: string; securityGroupId: string },
  extra: Record<string, unknown> = {},
): Promise<string> {
  const r = await c.ecs.runInstances(
    new $Ecs.RunInstancesRequest({
      regionId: REGION,
      imageId: UBUNTU,
      instanceType: 'ecs.g6.large',
      vSwitchId: net.vswitchId,
      securityGroupId: net.securityGroupId,
      ...extra,
    }),
  );
  return r.body?.instanceIdSets?.instanceIdSet?.[0] ?? '';
}

test('catalogue: regions, zones, instance types, available resources, public images, account attributes', async () => {
  const zones = await c.ecs.describeZones(new $Ecs.DescribeZonesRequest({ regionId: REGION }));
  const zoneIds = zones.body?.zones?.zone?.map((z) => z.zoneId);
  assert.ok(zoneIds?.includes('cn-hangzhou-h') && zoneIds.includes('cn-hangzhou-i'));
  const h = zones.body?.zones?.zone?.find((z) => z.zoneId === 'cn-hangzhou-h');
  assert.ok(h?.availableResourceCreation?.resourceTypes?.includes('VSwitch'));
  assert.ok(h?.availableInstanceTypes?.instanceTypes?.includes('ecs.g7.xlarge'));
  const types = await c.ecs.describeInstanceTypes(
    new $Ecs.DescribeInstanceTypesRequest({ instanceTypes: ['ecs.r6.xlarge'] }),
  );
  assert.deepEqual(
    types.body?.instanceTypes?.instanceType?.map((t) => [t.instanceTypeId, t.cpuCoreCount, t.memorySize]),
    [['ecs.r6.xlarge', 4, 32]],
  );
  const avail = await c.ecs.describeAvailableResource(
    new $Ecs.DescribeAvailableResourceRequest({
      regionId: REGION,
      destinationResource: 'InstanceType',
      zoneId: 'cn-hangzhou-b',
    }),
  );
  const sold =
    avail.body?.availableZones?.availableZone?.[0]?.availableResources?.availableResource?.[0]?.supportedResources?.supportedResource?.map(
      (r) => r.value,
    );
  assert.ok(sold?.includes('ecs.g6.xlarge') && !sold.includes('ecs.g7.xlarge'));
  for (const region of ['cn-hangzhou', 'me-east-1', 'ap-southeast-7']) {
    const imgs = await c.ecs.describeImages(
      new $Ecs.DescribeImagesRequest({ regionId: region, imageOwnerAlias: 'system', pageSize: 100 }),
    );
    const ids = imgs.body?.images?.image?.map((i) => i.imageId) ?? [];
    assert.ok(ids.includes('ubuntu_22_04_x64_20G_alibase_20240130.vhd') && ids.includes(UBUNTU), region);
    assert.equal(imgs.body?.images?.image?.find((i) => i.imageId === UBUNTU)?.OSType, 'linux');
  }
  const market = await c.ecs.describeImages(
    new $Ecs.DescribeImagesRequest({ regionId: REGION, imageOwnerAlias: 'marketplace' }),
  );
  assert.equal(market.body?.totalCount, 1);
  const attrs = await c.ecs.describeAccountAttributes(
    new $Ecs.DescribeAccountAttributesRequest({ regionId: REGION, attributeName: ['max-security-groups'] }),
  );
  assert.equal(
    attrs.body?.accountAttributeItems?.accountAttributeItem?.[0]?.attributeValues?.valueItem?.[0]?.value,
    '100',
  );
  // Only documented names are answered (an invented one is left out), at most 8 per call.
  const invented = await c.ecs.describeAccountAttributes(
    new $Ecs.DescribeAccountAttributesRequest({
      regionId: REGION,
      attributeName: ['max-custom-images', 'real-name-authentication'],
    }),
  );
  assert.deepEqual(
    invented.body?.accountAttributeItems?.accountAttributeItem?.map((i) => i.attributeName),
    ['real-name-authentication'],
  );
  const tooMany = await sdkError(
    c.ecs.describeAccountAttributes(
      new $Ecs.DescribeAccountAttributesRequest({
        regionId: REGION,
        attributeName: Array.from({ length: 9 }, (_, i) => `max-security-groups-${i}`),
      }),
    ),
  );
  assert.equal(tooMany.code, 'InvalidParameter');
  const bad = await sdkError(
    c.ecs.describeZones(new $Ecs.DescribeZonesRequest({ regionId: 'mars-north-1' })),
  );
  assert.equal(bad.code, 'InvalidRegionId.NotFound');
});

test('a throttled call fails with Throttling.User once and then succeeds', async () => {
  emu.admin.injectFault({ action: 'ecs:DescribeInstances', code: 'Throttling.User', count: 1 });
  const err = await c.ecs
    .describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION }))
    .catch((e: unknown) => e);
  const e = err as { name?: string; code?: string; statusCode?: number };
  assert.equal(e.name, 'ThrottlingError');
  assert.equal(e.code, 'Throttling.User');
  assert.equal(e.statusCode, 400);
  const ok = await c.ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION }));
  assert.equal(ok.body?.totalCount, 0);
  emu.admin.injectFault({ action: 'Describe*', code: 'ServiceUnavailable', count: 1 });
  const u = await sdkError(c.ecs.describeRegions(new $Ecs.DescribeRegionsRequest({})));
  assert.deepEqual([u.code, u.statusCode], ['ServiceUnavailable', 503]);
  emu.admin.injectFault({ action: 'DescribeRegions', latencyMs: 150, count: 1 });
  const t0 = Date.now();
  await c.ecs.describeRegions(new $Ecs.DescribeRegionsRequest({}));
  assert.ok(Date.now() - t0 >= 140);
});

test('pagination: PageNumber/PageSize (capped at 100) and NextToken walk every security group once', async () => {
  const vpc = await c.ecs.createVpc(new $Ecs.CreateVpcRequest({ regionId: REGION, cidrBlock: '10.0.0.0/8' }));
  const vpcId = vpc.body?.vpcId ?? '';
  const created = new Set<string>();
  for (let i = 0; i < 23; i++) {
    const sg = await c.ecs.createSecurityGroup(
      new $Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId, securityGroupName: `sg-${i}` }),
    );
    created.add(sg.body?.securityGroupId ?? '');
  }
  const byPage: string[] = [];
  for (let page = 1; page <= 3; page++) {
    const r = await c.ecs.describeSecurityGroups(
      new $Ecs.DescribeSecurityGroupsRequest({ regionId: REGION, pageNumber: page, pageSize: 10 }),
    );
    assert.equal(r.body?.totalCount, 23);
    assert.equal(r.body?.securityGroups?.securityGroup?.length, page < 3 ? 10 : 3);
    byPage.push(...(r.body?.securityGroups?.securityGroup?.map((g) => g.securityGroupId ?? '') ?? []));
  }
  assert.deepEqual(new Set(byPage), created);
  const byToken: string[] = [];
  let token: string | undefined;
  let calls = 0;
  do {
    const r = await c.ecs.describeSecurityGroups(
      new $Ecs.DescribeSecurityGroupsRequest({
        regionId: REGION,
        maxResults: 10,
        ...(token ? { nextToken: token } : {}),
      }),
    );
    byToken.push(...(r.body?.securityGroups?.securityGroup?.map((g) => g.securityGroupId ?? '') ?? []));
    token = r.body?.nextToken || undefined;
    calls++;
  } while (token);
  assert.equal(calls, 3);
  assert.deepEqual(byToken, byPage);
  const capped = await c.ecs.describeImages(
    new $Ecs.DescribeImagesRequest({ regionId: REGION, pageSize: 500 }),
  );
  assert.equal(capped.body?.pageSize, 100);
});

test('a ClientToken retry after a lost response creates nothing twice', async () => {
  emu.admin.injectFault({ action: 'CreateVpc', dropResponse: true, count: 1 });
  const req = () =>
    new $Vpc.CreateVpcRequest({
      regionId: REGION,
      cidrBlock: '172.16.0.0/12',
      clientToken: 'sindri-build-42-vpc',
    });
  const lost = await c.vpc.createVpc(req()).catch((e: unknown) => e);
  assert.ok(lost instanceof Error);
  assert.equal(emu.admin.liveResources().vpcs.length, 1, 'the first call did create the VPC');
  const retry = await c.vpc.createVpc(req());
  const again = await c.vpc.createVpc(req());
  assert.equal(retry.body?.vpcId, emu.admin.liveResources().vpcs[0]?.id);
  assert.equal(again.body?.vpcId, retry.body?.vpcId);
  assert.notEqual(again.body?.requestId, retry.body?.requestId);
  assert.equal(emu.admin.liveResources().vpcs.length, 1);
  const mismatch = await sdkError(
    c.vpc.createVpc(
      new $Vpc.CreateVpcRequest({
        regionId: REGION,
        cidrBlock: '10.0.0.0/8',
        clientToken: 'sindri-build-42-vpc',
      }),
    ),
  );
  assert.equal(mismatch.code, 'IdempotentParameterMismatch');
});

test('instances move through Pending, Starting, Running, Stopping, Stopped with the time scale', async () => {
  const net = await network();
  emu.admin.setTimeScale(1);
  emu.admin.setDelays({ instanceCreate: 10, instanceStart: 10, instanceStop: 10 });
  const id = await runInstance(net);
  const status = async () =>
    (
      await c.ecs.describeInstances(
        new $Ecs.DescribeInstancesRequest({ regionId: REGION, instanceIds: JSON.stringify([id]) }),
      )
    ).body?.instances?.instance?.[0]?.status;
  assert.equal(await status(), 'Pending');
  emu.admin.advanceTime(10_000);
  assert.equal(await status(), 'Starting');
  const early = await sdkError(
    c.ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id, regionId: REGION })),
  );
  assert.deepEqual([early.code, early.statusCode], ['IncorrectInstanceStatus', 403]);
  emu.admin.advanceTime(10_000);
  assert.equal(await status(), 'Running');
  await c.ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id }));
  // StopInstance has no RegionId in the SDK request: the emulator takes the region from RegionId only.
  assert.equal(await status(), 'Stopping');
  emu.admin.advanceTime(10_000);
  assert.equal(await status(), 'Stopped');
  const ips = (await c.ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: REGION }))).body
    ?.instances?.instance?.[0];
  assert.deepEqual(ips?.vpcAttributes?.privateIpAddress?.ipAddress, ['127.0.0.1']);
});

test('images: Creating with Progress, then Available; copy with delay and cancel; share; unshare and deprecate; delete with Force', async () => {
  const net = await network();
  const instanceId = await runInstance(net);
  emu.admin.setTimeScale(1);
  emu.admin.setDelays({ imageCreate: 100, imageCopy: 100 });
  const created = await c.ecs.createImage(
    new $Ecs.CreateImageRequest({ regionId: REGION, instanceId, imageName: 'sindri-dev' }),
  );
  const imageId = created.body?.imageId ?? '';
  const describe = async (region: string, id: string) =>
    (
      await c.ecs.describeImages(
        new $Ecs.DescribeImagesRequest({
          regionId: region,
          imageId: id,
          status: 'Creating,Available,Deprecated',
        }),
      )
    ).body?.images?.image?.[0];
  emu.admin.advanceTime(50_000);
  const half = await describe(REGION, imageId);
  assert.equal(half?.status, 'Creating');
  assert.match(half?.progress ?? '', /^(49|50|51)%$/);
  const dup = await sdkError(
    c.ecs.createImage(new $Ecs.CreateImageRequest({ regionId: REGION, instanceId, imageName: 'sindri-dev' })),
  );
  assert.equal(dup.code, 'InvalidImageName.Duplicated');
  emu.admin.advanceTime(50_000);
  const done = await describe(REGION, imageId);
  assert.equal(done?.status, 'Available');
  assert.equal(done?.progress, '100%');
  const snapshotId = done?.diskDeviceMappings?.diskDeviceMapping?.[0]?.snapshotId ?? '';
  assert.match(snapshotId, /^s-bp1/);

  const copy = await c.ecs.copyImage(
    new $Ecs.CopyImageRequest({
      regionId: REGION,
      imageId,
      destinationRegionId: 'cn-beijing',
      destinationImageName: 'sindri-dev',
    }),
  );
  const copyId = copy.body?.imageId ?? '';
  assert.equal((await describe('cn-beijing', copyId))?.status, 'Creating');
  await c.ecs.cancelCopyImage(new $Ecs.CancelCopyImageRequest({ regionId: 'cn-beijing', imageId: copyId }));
  assert.equal(await describe('cn-beijing', copyId), undefined);
  const copy2 = await c.ecs.copyImage(
    new $Ecs.CopyImageRequest({ regionId: REGION, imageId, destinationRegionId: 'cn-shanghai' }),
  );
  emu.admin.advanceTime(100_000);
  assert.equal((await describe('cn-shanghai', copy2.body?.imageId ?? ''))?.isCopied, true);

  await c.ecs.modifyImageSharePermission(
    new $Ecs.ModifyImageSharePermissionRequest({
      regionId: REGION,
      imageId,
      addAccount: [SECOND_ACCOUNT_ID],
    }),
  );
  const perms = await c.ecs.describeImageSharePermission(
    new $Ecs.DescribeImageSharePermissionRequest({ regionId: REGION, imageId }),
  );
  assert.deepEqual(
    perms.body?.accounts?.account?.map((a) => a.aliyunId),
    [SECOND_ACCOUNT_ID],
  );
  const other = sdkClients(emu.endpoint, {
    accessKeyId: SECOND_ACCESS_KEY_ID,
    accessKeySecret: SECOND_ACCESS_KEY_SECRET,
  });
  const seen = await other.ecs.describeImages(
    new $Ecs.DescribeImagesRequest({ regionId: REGION, imageOwnerAlias: 'others' }),
  );
  assert.deepEqual(
    seen.body?.images?.image?.map((i) => i.imageId),
    [imageId],
  );

  await runInstance(net, { imageId });
  await c.ecs.modifyImageSharePermission(
    new $Ecs.ModifyImageSharePermissionRequest({
      regionId: REGION,
      imageId,
      removeAccount: [SECOND_ACCOUNT_ID],
    }),
  );
  await c.ecs.modifyImageAttribute(
    new $Ecs.ModifyImageAttributeRequest({ regionId: REGION, imageId, status: 'Deprecated' }),
  );
  // A deprecated image still launches instances.
  await runInstance(net, { imageId });
  assert.equal((await describe(REGION, imageId))?.status, 'Deprecated');
  const defaults = await c.ecs.describeImages(
    new $Ecs.DescribeImagesRequest({ regionId: REGION, imageOwnerAlias: 'self' }),
  );
  assert.equal(defaults.body?.totalCount, 0, 'Deprecated images are not listed by default');

  const inUse = await sdkError(c.ecs.deleteSnapshot(new $Ecs.DeleteSnapshotRequest({ snapshotId })));
  assert.equal(inUse.code, 'SnapshotCreatedImage');
  const busy = await sdkError(c.ecs.deleteImage(new $Ecs.DeleteImageRequest({ regionId: REGION, imageId })));
  assert.equal(busy.statusCode, 403);
  await c.ecs.deleteImage(new $Ecs.DeleteImageRequest({ regionId: REGION, imageId, force: true }));
  await c.ecs.deleteSnapshot(new $Ecs.DeleteSnapshotRequest({ snapshotId }));
  assert.equal(emu.admin.liveResources(REGION).images.length, 0);
});

test('dependency rules, EIPs, quotas and key pairs', async () => {
  const net = await network();
  const id = await runInstance(net);
  const sgBusy = await sdkError(
    c.ecs.deleteSecurityGroup(
      new $Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId: net.securityGroupId }),
    ),
  );
  assert.equal(sgBusy.code, 'DependencyViolation');
  const vpcBusy = await sdkError(
    c.vpc.deleteVpc(new $Vpc.DeleteVpcRequest({ regionId: REGION, vpcId: net.vpcId })),
  );
  assert.match(vpcBusy.code, /^DependencyViolation/);

  const eip = await c.vpc.allocateEipAddress(new $Vpc.AllocateEipAddressRequest({ regionId: REGION }));
  const allocationId = eip.body?.allocationId ?? '';
  assert.equal(eip.body?.eipAddress, '127.0.0.1');
  await c.vpc.associateEipAddress(
    new $Vpc.AssociateEipAddressRequest({ regionId: REGION, allocationId, instanceId: id }),
  );
  const inUse = await sdkError(
    c.vpc.releaseEipAddress(new $Vpc.ReleaseEipAddressRequest({ regionId: REGION, allocationId })),
  );
  assert.equal(inUse.code, 'IncorrectEipStatus');
  emu.admin.setQuotas({ eips: 1 });
  const quota = await sdkError(
    c.vpc.allocateEipAddress(new $Vpc.AllocateEipAddressRequest({ regionId: REGION })),
  );
  assert.equal(quota.code, 'QuotaExceeded.Eip');

  const kp = await c.ecs.createKeyPair(
    new $Ecs.CreateKeyPairRequest({ regionId: REGION, keyPairName: 'sindri-kp' }),
  );
  const parsed = ssh2.utils.parseKey(kp.body?.privateKeyBody ?? '');
  assert.ok(!(parsed instanceof Error), 'PrivateKeyBody is a usable private key');
  assert.match(kp.body?.keyPairFingerPrint ?? '', /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  const dupKp = await sdkError(
    c.ecs.createKeyPair(new $Ecs.CreateKeyPairRequest({ regionId: REGION, keyPairName: 'sindri-kp' })),
  );
  assert.equal(dupKp.code, 'KeyPair.AlreadyExist');
  const pub = `ssh-rsa ${(parsed as ssh2.ParsedKey).getPublicSSH().toString('base64')} me@example`;
  const imported = await c.ecs.importKeyPair(
    new $Ecs.ImportKeyPairRequest({ regionId: REGION, keyPairName: 'imported', publicKeyBody: pub }),
  );
  assert.equal(imported.body?.keyPairFingerPrint, kp.body?.keyPairFingerPrint);
  const listed = await c.ecs.describeKeyPairs(new $Ecs.DescribeKeyPairsRequest({ regionId: REGION }));
  assert.equal(listed.body?.totalCount, 2);
});

test('tags: AddTags, TagResources, ListTagResources, tag filters, RemoveTags', async () => {
  const net = await network();
  const a = await runInstance(net);
  const b = await runInstance(net);
  await c.ecs.addTags(
    new $Ecs.AddTagsRequest({
      regionId: REGION,
      resourceType: 'instance',
      resourceId: a,
      tag: [new $Ecs.AddTagsRequestTag({ key: 'ManagedBy', value: 'sindri' })],
    }),
  );
  await c.ecs.tagResources(
    new $Ecs.TagResourcesRequest({
      regionId: REGION,
      resourceType: 'instance',
      resourceId: [a, b],
      tag: [new $Ecs.TagResourcesRequestTag({ key: 'Team', value: 'platform' })],
    }),
  );
  const filtered = await c.ecs.describeInstances(
    new $Ecs.DescribeInstancesRequest({
      regionId: REGION,
      tag: [new $Ecs.DescribeInstancesRequestTag({ key: 'ManagedBy', value: 'sindri' })],
    }),
  );
  assert.deepEqual(
    filtered.body?.instances?.instance?.map((i) => i.instanceId),
    [a],
  );
  const listed = await c.ecs.listTagResources(
    new $Ecs.ListTagResourcesRequest({ regionId: REGION, resourceType: 'instance', resourceId: [a] }),
  );
  assert.deepEqual(listed.body?.tagResources?.tagResource?.map((t) => `${t.tagKey}=${t.tagValue}`).sort(), [
    'ManagedBy=sindri',
    'Team=platform',
  ]);
  await c.ecs.removeTags(
    new $Ecs.RemoveTagsRequest({
      regionId: REGION,
      resourceType: 'instance',
      resourceId: a,
      tag: [new $Ecs.RemoveTagsRequestTag({ key: 'Team' })],
    }),
  );
  const vtag = await c.vpc.tagResources(
    new $Vpc.TagResourcesRequest({
      regionId: REGION,
      resourceType: 'VPC',
      resourceId: [net.vpcId],
      tag: [new $Vpc.TagResourcesRequestTag({ key: 'ManagedBy', value: 'sindri' })],
    }),
  );
  assert.ok(vtag.body?.requestId);
  const vpcs = await c.vpc.describeVpcs(new $Vpc.DescribeVpcsRequest({ regionId: REGION, vpcId: net.vpcId }));
  assert.deepEqual(
    vpcs.body?.vpcs?.vpc?.[0]?.tags?.tag?.map((t) => [t.key, t.value]),
    [['ManagedBy', 'sindri']],
  );
  const after = await c.ecs.listTagResources(
    new $Ecs.ListTagResourcesRequest({ regionId: REGION, resourceType: 'instance', resourceId: [a] }),
  );
  assert.deepEqual(
    after.body?.tagResources?.tagResource?.map((t) => t.tagKey),
    ['ManagedBy'],
  );
});

test('ExportImage creates a task that DescribeTasks and DescribeTaskAttribute follow to Finished', async () => {
  const net = await network();
  const instanceId = await runInstance(net);
  const image = await c.ecs.createImage(
    new $Ecs.CreateImageRequest({ regionId: REGION, instanceId, imageName: 'export-me' }),
  );
  // ECS writes the export with its RAM role into an existing bucket.
  emu.oss.createBucket('sindri-exports');
  emu.admin.seedAccount({ accountId: ROOT_ACCOUNT_ID, roles: [{ roleName: EXPORT_ROLE }] });
  emu.admin.setTimeScale(1);
  const exp = await c.ecs.exportImage(
    new $Ecs.ExportImageRequest({
      regionId: REGION,
      imageId: image.body?.imageId,
      OSSBucket: 'sindri-exports',
      imageFormat: 'qcow2',
    }),
  );
  const taskId = exp.body?.taskId ?? '';
  const tasks = await c.ecs.describeTasks(
    new $Ecs.DescribeTasksRequest({ regionId: REGION, taskAction: 'ExportImage' }),
  );
  assert.deepEqual(
    tasks.body?.taskSet?.task?.map((t) => [t.taskId, t.taskStatus]),
    [[taskId, 'Processing']],
  );
  emu.admin.advanceTime(61_000);
  const attr = await c.ecs.describeTaskAttribute(
    new $Ecs.DescribeTaskAttributeRequest({ regionId: REGION, taskId }),
  );
  assert.equal(attr.body?.taskStatus, 'Finished');
  assert.equal(attr.body?.taskProcess, '100%');
});
