/** Instance actions after launch: describe, start, stop, reboot, delete, public IP. */
import { instanceTypeById } from '../catalog.ts';
import { type CallContext, type Handler, optionalRegion, requireRegion } from '../context.ts';
import { ApiError, notFound } from '../errors.ts';
import { ecsTags, matchesTags, paginate } from '../params.ts';
import { sandboxHooks } from '../sandbox/hooks.ts';
import { type Instance, LOOPBACK } from '../state.ts';
import { incorrectInstanceStatus, nameFilter } from './shared.ts';

/** Finds an instance in the request's region, or in any region for actions that take no RegionId. */
function findInstance(ctx: CallContext, regionId: string | undefined, id: string): Instance {
  const instance =
    regionId !== undefined
      ? ctx.world.get('instance', regionId, id)
      : ctx.world.list('instance', undefined, ctx.accountId).find((i) => i.id === id);
  if (!instance || instance.accountId !== ctx.accountId)
    throw notFound('InstanceId', `The specified InstanceId "${id}" does not exist.`);
  return instance;
}

function instanceView(ctx: CallContext, i: Instance): Record<string, unknown> {
  const w = ctx.world;
  const type = instanceTypeById(i.instanceType);
  const eip = i.eipAllocationId ? w.get('eip', i.regionId, i.eipAllocationId) : undefined;
  const image = w.get('image', i.regionId, i.imageId);
  return {
    InstanceId: i.id,
    InstanceName: i.name,
    HostName: i.hostName,
    Description: i.description,
    RegionId: i.regionId,
    ZoneId: i.zoneId,
    Status: w.status(i),
    InstanceType: i.instanceType,
    InstanceTypeFamily: type?.family ?? '',
    Cpu: type?.cpu ?? 0,
    Memory: (type?.memoryGiB ?? 0) * 1024,
    ImageId: i.imageId,
    OSType: image?.osType ?? 'linux',
    OSName: image?.osName ?? '',
    OSNameEn: image?.osNameEn ?? '',
    InstanceNetworkType: 'vpc',
    InstanceChargeType: i.chargeType,
    InternetChargeType: i.internetChargeType,
    InternetMaxBandwidthOut: i.internetMaxBandwidthOut,
    InternetMaxBandwidthIn: 200,
    SpotStrategy: i.spotStrategy,
    IoOptimized: i.ioOptimized,
    KeyPairName: i.keyPairName,
    CreationTime: isoMinutesOf(i.createdAt),
    StartTime: i.startedAt ? isoMinutesOf(i.startedAt) : '',
    ExpiredTime: '2099-12-31T15:59Z',
    StoppedMode: 'Not-applicable',
    DeletionProtection: false,
    SerialNumber: `sn-${i.id}`,
    PublicIpAddress: { IpAddress: i.publicIp ? [i.publicIp] : [] },
    InnerIpAddress: { IpAddress: [] },
    VpcAttributes: {
      VpcId: i.vpcId,
      VSwitchId: i.vswitchId,
      PrivateIpAddress: { IpAddress: [i.privateIp] },
      NatIpAddress: '',
    },
    EipAddress: {
      AllocationId: eip?.id ?? '',
      IpAddress: eip?.ipAddress ?? '',
      Bandwidth: eip ? Number(eip.bandwidth) : 0,
      InternetChargeType: eip?.internetChargeType ?? '',
      IsSupportUnassociate: true,
    },
    SecurityGroupIds: { SecurityGroupId: i.securityGroupIds },
    NetworkInterfaces: {
      NetworkInterface: [
        {
          NetworkInterfaceId: `eni-${i.id.slice(2)}`,
          PrimaryIpAddress: i.privateIp,
          MacAddress: '00:16:3e:00:00:01',
          Type: 'Primary',
          PrivateIpSets: { PrivateIpSet: [{ PrivateIpAddress: i.privateIp, Primary: true }] },
        },
      ],
    },
    OperationLocks: { LockReason: [] },
    ResourceGroupId: '',
    Tags: ecsTags(i.tags),
  };
}

const isoMinutesOf = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16)}Z`;

export const DescribeInstances: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const p = ctx.p;
  const ids = p.jsonList('InstanceIds');
  const tags = p.tags();
  const nameMatches = nameFilter(p.str('InstanceName'));
  const all = w
    .list('instance', region.regionId, ctx.accountId)
    .filter((i) => !ids || ids.includes(i.id))
    .filter((i) => nameMatches(i.name))
    .filter((i) => p.str('Status') === undefined || w.status(i) === p.str('Status'))
    .filter((i) => p.str('VpcId') === undefined || i.vpcId === p.str('VpcId'))
    .filter((i) => p.str('VSwitchId') === undefined || i.vswitchId === p.str('VSwitchId'))
    .filter((i) => p.str('ZoneId') === undefined || i.zoneId === p.str('ZoneId'))
    .filter((i) => p.str('ImageId') === undefined || i.imageId === p.str('ImageId'))
    .filter((i) => p.str('InstanceType') === undefined || i.instanceType === p.str('InstanceType'))
    .filter((i) => p.str('KeyPairName') === undefined || i.keyPairName === p.str('KeyPairName'))
    .filter(
      (i) =>
        p.str('SecurityGroupId') === undefined || i.securityGroupIds.includes(p.str('SecurityGroupId') ?? ''),
    )
    .filter((i) => matchesTags(i.tags, tags));
  // MaxResults: "a value less than 10 … the default value is 10", above 100 it is 100 (SDK
  // DescribeInstancesRequest.maxResults); PageNumber/PageSize still work, deprecated.
  const page = paginate(all, p, { nextToken: true, minResults: 10 });
  return { ...page.fields, Instances: { Instance: page.items.map((i) => instanceView(ctx, i)) } };
};

export const DescribeInstanceStatus: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const ids = ctx.p.repeated('InstanceId');
  const all = w
    .list('instance', region.regionId, ctx.accountId)
    .filter((i) => ids.length === 0 || ids.includes(i.id))
    .filter((i) => ctx.p.str('ZoneId') === undefined || i.zoneId === ctx.p.str('ZoneId'));
  const page = paginate(all, ctx.p, { max: 50 });
  return {
    ...page.fields,
    InstanceStatuses: { InstanceStatus: page.items.map((i) => ({ InstanceId: i.id, Status: w.status(i) })) },
  };
};

export const StartInstance: Handler = (ctx) => {
  const region = optionalRegion(ctx);
  const w = ctx.world;
  const instance = findInstance(ctx, region?.regionId, ctx.p.req('InstanceId'));
  const st = w.status(instance);
  if (st !== 'Stopped') throw incorrectInstanceStatus(st);
  instance.startedAt = w.now() + w.delayMs('instanceStart');
  w.transition(instance, [
    [0, 'Starting'],
    [w.delayMs('instanceStart'), 'Running'],
  ]);
  return {};
};

export const StopInstance: Handler = (ctx) => {
  const region = optionalRegion(ctx);
  const w = ctx.world;
  const instance = findInstance(ctx, region?.regionId, ctx.p.req('InstanceId'));
  const st = w.status(instance);
  if (st !== 'Running' && !(st === 'Starting' && ctx.p.bool('ForceStop'))) throw incorrectInstanceStatus(st);
  sandboxHooks.instanceStopped(w, instance);
  w.transition(instance, [
    [0, 'Stopping'],
    [w.delayMs('instanceStop'), 'Stopped'],
  ]);
  return {};
};

export const RebootInstance: Handler = (ctx) => {
  const region = optionalRegion(ctx);
  const w = ctx.world;
  const instance = findInstance(ctx, region?.regionId, ctx.p.req('InstanceId'));
  const st = w.status(instance);
  if (st !== 'Running') throw incorrectInstanceStatus(st);
  sandboxHooks.instanceStopped(w, instance);
  w.transition(instance, [
    [0, 'Stopping'],
    [w.delayMs('instanceStop'), 'Starting'],
    [w.delayMs('instanceStart'), 'Running'],
  ]);
  return {};
};

function destroyInstance(ctx: CallContext, instance: Instance, force: boolean): void {
  const w = ctx.world;
  const st = w.status(instance);
  if (st !== 'Stopped' && st !== 'Pending' && !force) throw incorrectInstanceStatus(st);
  if (instance.eipAllocationId) {
    const eip = w.get('eip', instance.regionId, instance.eipAllocationId);
    if (eip) {
      eip.instanceId = '';
      w.transition(eip, [[0, 'Available']]);
    }
  }
  for (const d of w
    .list('disk', instance.regionId, instance.accountId)
    .filter((x) => x.instanceId === instance.id)) {
    if (d.deleteWithInstance) w.remove(d);
    else {
      d.instanceId = '';
      w.transition(d, [[0, 'Available']]);
    }
  }
  w.remove(instance);
  sandboxHooks.instanceDeleted(w, instance);
}

export const DeleteInstance: Handler = (ctx) => {
  const region = optionalRegion(ctx);
  destroyInstance(ctx, findInstance(ctx, region?.regionId, ctx.p.req('InstanceId')), ctx.p.bool('Force'));
  return {};
};

export const DeleteInstances: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const ids = ctx.p.repeated('InstanceId');
  if (ids.length === 0) throw new ApiError('MissingParameter', 'InstanceId.N is mandatory for this action.');
  const instances = ids.map((id) => findInstance(ctx, region.regionId, id));
  for (const i of instances) destroyInstance(ctx, i, ctx.p.bool('Force'));
  return {};
};

export const AllocatePublicIpAddress: Handler = (ctx) => {
  const region = optionalRegion(ctx);
  const instance = findInstance(ctx, region?.regionId, ctx.p.req('InstanceId'));
  const st = ctx.world.status(instance);
  if (st !== 'Running' && st !== 'Stopped') throw incorrectInstanceStatus(st);
  instance.publicIp = LOOPBACK;
  return { IpAddress: LOOPBACK };
};
