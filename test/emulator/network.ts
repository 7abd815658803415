/** VPC, VSwitch and EIP actions: served by the VPC API and, as packer 1.6.6 calls them, by the ECS API. */
import { type CallContext, type Handler, requireRegion } from './context.ts';
import { ApiError, notFound } from './errors.ts';
import { matchesTags, paginate, vpcTags } from './params.ts';
import { type Eip, isoSeconds, LOOPBACK, type Vpc, type VSwitch } from './state.ts';

interface Cidr {
  base: number;
  prefix: number;
}

export function parseCidr(value: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const ip =
    (((octets[0] ?? 0) << 24) | ((octets[1] ?? 0) << 16) | ((octets[2] ?? 0) << 8) | (octets[3] ?? 0)) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ip & mask) >>> 0, prefix };
}

const size = (c: Cidr): number => 2 ** (32 - c.prefix);
const contains = (outer: Cidr, inner: Cidr): boolean =>
  inner.prefix >= outer.prefix &&
  inner.base >= outer.base &&
  inner.base + size(inner) <= outer.base + size(outer);
const overlaps = (a: Cidr, b: Cidr): boolean => a.base < b.base + size(b) && b.base < a.base + size(a);

function vpcView(ctx: CallContext, vpc: Vpc): Record<string, unknown> {
  const w = ctx.world;
  return {
    VpcId: vpc.id,
    RegionId: vpc.regionId,
    Status: w.status(vpc),
    VpcName: vpc.name,
    Description: vpc.description,
    CidrBlock: vpc.cidrBlock,
    VRouterId: vpc.vRouterId,
    RouterTableIds: { RouterTableIds: [vpc.routeTableId] },
    VSwitchIds: {
      VSwitchId: w
        .list('vswitch', vpc.regionId, vpc.accountId)
        .filter((s) => s.vpcId === vpc.id)
        .map((s) => s.id),
    },
    UserCidrs: { UserCidr: [] },
    NatGatewayIds: { NatGatewayIds: [] },
    SecondaryCidrBlocks: { SecondaryCidrBlock: [] },
    IsDefault: vpc.isDefault,
    CreationTime: isoSeconds(vpc.createdAt),
    OwnerId: Number(vpc.accountId),
    ResourceGroupId: '',
    Tags: vpcTags(vpc.tags),
  };
}

function vswitchView(ctx: CallContext, vsw: VSwitch): Record<string, unknown> {
  const used = ctx.world
    .list('instance', vsw.regionId, vsw.accountId)
    .filter((i) => i.vswitchId === vsw.id).length;
  const cidr = parseCidr(vsw.cidrBlock);
  return {
    VSwitchId: vsw.id,
    VpcId: vsw.vpcId,
    Status: ctx.world.status(vsw),
    CidrBlock: vsw.cidrBlock,
    ZoneId: vsw.zoneId,
    AvailableIpAddressCount: cidr ? Math.max(size(cidr) - 4 - used, 0) : 0,
    Description: vsw.description,
    VSwitchName: vsw.name,
    CreationTime: isoSeconds(vsw.createdAt),
    IsDefault: false,
    OwnerId: Number(vsw.accountId),
    ResourceGroupId: '',
    Tags: vpcTags(vsw.tags),
  };
}

function eipView(ctx: CallContext, eip: Eip): Record<string, unknown> {
  return {
    AllocationId: eip.id,
    IpAddress: eip.ipAddress,
    RegionId: eip.regionId,
    Status: ctx.world.status(eip),
    InstanceId: eip.instanceId,
    InstanceType: eip.instanceId ? eip.instanceType : '',
    InstanceRegionId: eip.instanceId ? eip.regionId : '',
    Bandwidth: eip.bandwidth,
    EipBandwidth: eip.bandwidth,
    ChargeType: eip.chargeType,
    InternetChargeType: eip.internetChargeType,
    ISP: eip.isp,
    Name: eip.name,
    Description: eip.description,
    AllocationTime: isoSeconds(eip.createdAt),
    Mode: 'NAT',
    Netmode: 'public',
    OperationLocks: { LockReason: [] },
    ExpiredTime: '',
    ResourceGroupId: '',
    Tags: vpcTags(eip.tags),
  };
}

export function findVpc(ctx: CallContext, regionId: string, id: string): Vpc {
  const vpc = ctx.world.get('vpc', regionId, id);
  if (!vpc || vpc.accountId !== ctx.accountId)
    throw notFound('VpcId', `The specified VpcId "${id}" does not exist.`);
  return vpc;
}

export function findVSwitch(ctx: CallContext, regionId: string, id: string): VSwitch {
  const vsw = ctx.world.get('vswitch', regionId, id);
  if (!vsw || vsw.accountId !== ctx.accountId)
    throw notFound('VSwitchId', `The specified VSwitchId "${id}" does not exist.`);
  return vsw;
}

function findEip(ctx: CallContext, regionId: string, id: string): Eip {
  const eip = ctx.world.get('eip', regionId, id);
  if (!eip || eip.accountId !== ctx.accountId)
    throw notFound('AllocationId', `The specified AllocationId "${id}" does not exist.`);
  return eip;
}

const CreateVpc: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const cidrBlock = ctx.p.str('CidrBlock') ?? '172.16.0.0/12';
  const cidr = parseCidr(cidrBlock);
  if (!cidr)
    throw new ApiError('InvalidCidrBlock.Malformed', `The specified CidrBlock "${cidrBlock}" is not valid.`);
  if (w.list('vpc', region.regionId, ctx.accountId).length >= w.quota(ctx.accountId, 'vpcs'))
    throw new ApiError('QuotaExceeded.Vpc', 'The number of VPCs in this region has reached the quota.');
  const now = w.now();
  const vpc = w.add<Vpc>({
    kind: 'vpc',
    id: w.newId('vpc', region),
    regionId: region.regionId,
    accountId: ctx.accountId,
    createdAt: now,
    tags: ctx.p.tagMap(),
    timeline: [{ at: now, status: 'Pending' }],
    name: ctx.p.str('VpcName') ?? '',
    description: ctx.p.str('Description') ?? '',
    cidrBlock,
    vRouterId: w.newId('vrt', region),
    routeTableId: w.newId('vtb', region),
    isDefault: false,
  });
  w.transition(vpc, [[w.delayMs('vpcCreate'), 'Available']]);
  return { VpcId: vpc.id, VRouterId: vpc.vRouterId, RouteTableId: vpc.routeTableId, ResourceGroupId: '' };
};

const DescribeVpcs: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const ids = ctx.p
    .str('VpcId')
    ?.split(',')
    .map((s) => s.trim());
  const name = ctx.p.str('VpcName');
  const tags = ctx.p.tags();
  const all = ctx.world
    .list('vpc', region.regionId, ctx.accountId)
    .filter((v) => !ids || ids.includes(v.id))
    .filter((v) => name === undefined || v.name === name)
    .filter((v) => matchesTags(v.tags, tags));
  const page = paginate(all, ctx.p, { max: 50 });
  return { ...page.fields, Vpcs: { Vpc: page.items.map((v) => vpcView(ctx, v)) } };
};

const DeleteVpc: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const vpc = findVpc(ctx, region.regionId, ctx.p.req('VpcId'));
  if (w.status(vpc) !== 'Available')
    throw new ApiError(
      'IncorrectVpcStatus',
      'The current status of the VPC does not support this operation.',
    );
  if (w.list('vswitch', region.regionId, ctx.accountId).some((s) => s.vpcId === vpc.id))
    throw new ApiError('DependencyViolation.VSwitch', 'The specified VPC still has VSwitches.');
  if (w.list('securitygroup', region.regionId, ctx.accountId).some((g) => g.vpcId === vpc.id))
    throw new ApiError('DependencyViolation.SecurityGroup', 'The specified VPC still has security groups.');
  w.remove(vpc);
  return {};
};

const CreateVSwitch: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const vpc = findVpc(ctx, region.regionId, ctx.p.req('VpcId'));
  const zoneId = ctx.p.req('ZoneId');
  if (!region.zones.includes(zoneId))
    throw new ApiError(
      'InvalidZoneId.NotFound',
      `The specified ZoneId "${zoneId}" does not exist in the region.`,
    );
  if (w.status(vpc) !== 'Available')
    throw new ApiError(
      'IncorrectVpcStatus',
      'The current status of the VPC does not support this operation.',
    );
  const cidrBlock = ctx.p.req('CidrBlock');
  const cidr = parseCidr(cidrBlock);
  const vpcCidr = parseCidr(vpc.cidrBlock);
  if (!cidr || !vpcCidr || cidr.prefix < 16 || cidr.prefix > 29)
    throw new ApiError('InvalidCidrBlock.Malformed', `The specified CidrBlock "${cidrBlock}" is not valid.`);
  if (!contains(vpcCidr, cidr))
    throw new ApiError(
      'InvalidCidrBlock.Mismatch',
      'The CidrBlock of the VSwitch must be within the CidrBlock of the VPC.',
    );
  const siblings = w.list('vswitch', region.regionId, ctx.accountId).filter((s) => s.vpcId === vpc.id);
  if (
    siblings.some((s) => {
      const other = parseCidr(s.cidrBlock);
      return other !== undefined && overlaps(other, cidr);
    })
  )
    throw new ApiError(
      'InvalidCidrBlock.Overlapped',
      'The specified CidrBlock overlaps with another VSwitch.',
    );
  if (siblings.length >= w.quota(ctx.accountId, 'vswitches'))
    throw new ApiError('QuotaExceeded.VSwitch', 'The number of VSwitches in this VPC has reached the quota.');
  const now = w.now();
  const vsw = w.add<VSwitch>({
    kind: 'vswitch',
    id: w.newId('vsw', region),
    regionId: region.regionId,
    accountId: ctx.accountId,
    createdAt: now,
    tags: ctx.p.tagMap(),
    timeline: [{ at: now, status: 'Pending' }],
    name: ctx.p.str('VSwitchName') ?? '',
    description: ctx.p.str('Description') ?? '',
    vpcId: vpc.id,
    zoneId,
    cidrBlock,
  });
  w.transition(vsw, [[w.delayMs('vswitchCreate'), 'Available']]);
  return { VSwitchId: vsw.id };
};

const DescribeVSwitches: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const p = ctx.p;
  const ids = p
    .str('VSwitchId')
    ?.split(',')
    .map((s) => s.trim());
  const tags = p.tags();
  const all = ctx.world
    .list('vswitch', region.regionId, ctx.accountId)
    .filter((s) => !ids || ids.includes(s.id))
    .filter((s) => p.str('VpcId') === undefined || s.vpcId === p.str('VpcId'))
    .filter((s) => p.str('ZoneId') === undefined || s.zoneId === p.str('ZoneId'))
    .filter((s) => p.str('VSwitchName') === undefined || s.name === p.str('VSwitchName'))
    .filter((s) => matchesTags(s.tags, tags));
  const page = paginate(all, p, { max: 50 });
  return { ...page.fields, VSwitches: { VSwitch: page.items.map((s) => vswitchView(ctx, s)) } };
};

const DeleteVSwitch: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const vsw = findVSwitch(ctx, region.regionId, ctx.p.req('VSwitchId'));
  if (ctx.world.list('instance', region.regionId, ctx.accountId).some((i) => i.vswitchId === vsw.id))
    throw new ApiError('DependencyViolation.Instance', 'The specified VSwitch still has instances.', 400);
  ctx.world.remove(vsw);
  return {};
};

const AllocateEipAddress: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  if (w.list('eip', region.regionId, ctx.accountId).length >= w.quota(ctx.accountId, 'eips'))
    throw new ApiError('QuotaExceeded.Eip', 'The number of EIPs in this region has reached the quota.');
  const now = w.now();
  const eip = w.add<Eip>({
    kind: 'eip',
    id: w.newId('eip', region),
    regionId: region.regionId,
    accountId: ctx.accountId,
    createdAt: now,
    tags: new Map(),
    timeline: [{ at: now, status: 'Available' }],
    name: ctx.p.str('Name') ?? '',
    description: ctx.p.str('Description') ?? '',
    ipAddress: LOOPBACK,
    bandwidth: ctx.p.str('Bandwidth') ?? '5',
    chargeType: ctx.p.str('InstanceChargeType') ?? 'PostPaid',
    internetChargeType: ctx.p.str('InternetChargeType') ?? 'PayByBandwidth',
    isp: ctx.p.str('ISP') ?? 'BGP',
    instanceId: '',
    instanceType: '',
  });
  return { AllocationId: eip.id, EipAddress: eip.ipAddress, ResourceGroupId: '' };
};

const DescribeEipAddresses: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const p = ctx.p;
  const w = ctx.world;
  const ids = p
    .str('AllocationId')
    ?.split(',')
    .map((s) => s.trim());
  const tags = p.tags();
  const all = w
    .list('eip', region.regionId, ctx.accountId)
    .filter((e) => !ids || ids.includes(e.id))
    .filter((e) => p.str('Status') === undefined || w.status(e) === p.str('Status'))
    .filter(
      (e) => p.str('AssociatedInstanceId') === undefined || e.instanceId === p.str('AssociatedInstanceId'),
    )
    .filter((e) => matchesTags(e.tags, tags));
  const page = paginate(all, p, { max: 100 });
  return { ...page.fields, EipAddresses: { EipAddress: page.items.map((e) => eipView(ctx, e)) } };
};

const AssociateEipAddress: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const eip = findEip(ctx, region.regionId, ctx.p.req('AllocationId'));
  const instanceId = ctx.p.req('InstanceId');
  const instance = w.get('instance', region.regionId, instanceId);
  if (!instance || instance.accountId !== ctx.accountId)
    throw notFound('InstanceId', `The specified InstanceId "${instanceId}" does not exist.`);
  if (w.status(eip) !== 'Available')
    throw new ApiError(
      'IncorrectEipStatus',
      'The current status of the EIP does not support this operation.',
    );
  const st = w.status(instance);
  if (st !== 'Running' && st !== 'Stopped')
    throw new ApiError(
      'IncorrectInstanceStatus',
      'The current status of the instance does not support this operation.',
      403,
    );
  if (instance.eipAllocationId)
    throw new ApiError('InvalidAssociation.Duplicated', 'The instance already has an EIP associated.');
  eip.instanceId = instance.id;
  eip.instanceType = ctx.p.str('InstanceType') ?? 'EcsInstance';
  instance.eipAllocationId = eip.id;
  w.transition(eip, [
    [0, 'Associating'],
    [w.delayMs('eipAssociate'), 'InUse'],
  ]);
  return {};
};

const UnassociateEipAddress: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const eip = findEip(ctx, region.regionId, ctx.p.req('AllocationId'));
  if (w.status(eip) !== 'InUse' || !eip.instanceId)
    throw new ApiError(
      'IncorrectEipStatus',
      'The current status of the EIP does not support this operation.',
    );
  const given = ctx.p.str('InstanceId');
  if (given !== undefined && given !== eip.instanceId)
    throw new ApiError(
      'InvalidInstanceId.MismatchWithEip',
      'The EIP is not associated with the specified instance.',
    );
  const instance = w.get('instance', region.regionId, eip.instanceId);
  if (instance) instance.eipAllocationId = '';
  eip.instanceId = '';
  w.transition(eip, [
    [0, 'Unassociating'],
    [w.delayMs('eipUnassociate'), 'Available'],
  ]);
  return {};
};

const ReleaseEipAddress: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const eip = findEip(ctx, region.regionId, ctx.p.req('AllocationId'));
  if (ctx.world.status(eip) !== 'Available')
    throw new ApiError('IncorrectEipStatus', 'The EIP must be unassociated before it is released.');
  ctx.world.remove(eip);
  return {};
};

export const networkHandlers: Record<string, Handler> = {
  CreateVpc,
  DescribeVpcs,
  DeleteVpc,
  CreateVSwitch,
  DescribeVSwitches,
  DeleteVSwitch,
  AllocateEipAddress,
  DescribeEipAddresses,
  AssociateEipAddress,
  UnassociateEipAddress,
  ReleaseEipAddress,
};
