/** CreateInstance and RunInstances: every check a launch must pass, then the instance and its disks. */
import { DISK_CATEGORIES, instanceTypeById, instanceTypesInZone } from '../catalog.ts';
import { type CallContext, type Handler, requireRegion } from '../context.ts';
import { ApiError, invalidParameter } from '../errors.ts';
import { findVSwitch } from '../network.ts';
import { sandboxHooks } from '../sandbox/hooks.ts';
import { type Disk, type Instance, LOOPBACK } from '../state.ts';
import { findUsableImage } from './image-rules.ts';
import { findKeyPair } from './key-pairs.ts';
import { findSecurityGroup } from './security-groups.ts';

interface LaunchSpec {
  count: number;
  start: boolean;
}

function launch(ctx: CallContext, spec: LaunchSpec): Instance[] {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const p = ctx.p;
  const imageId = p.req('ImageId');
  const image = findUsableImage(ctx, region.regionId, imageId);
  const imageStatus = w.status(image);
  // A deprecated image still launches instances; it only stops being shared, copied and found by family.
  if (imageStatus !== 'Available' && imageStatus !== 'Deprecated')
    throw new ApiError(
      'InvalidImageId.NotAvailable',
      `The specified image is ${imageStatus} and cannot be used.`,
      403,
    );
  const instanceType = p.req('InstanceType');
  if (!instanceTypeById(instanceType))
    throw new ApiError(
      'InvalidInstanceType.ValueUnauthorized',
      `The specified InstanceType "${instanceType}" does not exist.`,
    );
  const vswitchId = p.str('VSwitchId');
  if (vswitchId === undefined)
    throw new ApiError(
      'InvalidVSwitchId.Missing',
      'A VSwitchId is required: only VPC-type instances can be created.',
    );
  const vsw = findVSwitch(ctx, region.regionId, vswitchId);
  if (w.status(vsw) !== 'Available')
    throw new ApiError(
      'IncorrectVSwitchStatus',
      'The current status of the VSwitch does not support this operation.',
    );
  const zoneId = p.str('ZoneId') ?? vsw.zoneId;
  if (!region.zones.includes(zoneId))
    throw new ApiError('InvalidZoneId.NotFound', `The specified ZoneId "${zoneId}" does not exist.`, 404);
  if (zoneId !== vsw.zoneId)
    throw new ApiError(
      'InvalidParameter.Mismatch',
      'The specified ZoneId does not match the zone of the VSwitch.',
    );
  if (!instanceTypesInZone(region, zoneId).includes(instanceType))
    throw new ApiError(
      'InvalidInstanceType.NotAvailable',
      `The specified InstanceType "${instanceType}" is not available in zone ${zoneId}.`,
      403,
    );
  if (w.stockOut(region.regionId, zoneId, instanceType))
    throw new ApiError(
      'OperationDenied.NoStock',
      'The requested resource is sold out in the specified zone; try other types of resources or other regions and zones.',
      403,
    );
  const sgIds = [
    p.str('SecurityGroupId'),
    ...(p.jsonList('SecurityGroupIds') ?? []),
    ...p.repeated('SecurityGroupIds'),
  ].filter((s): s is string => s !== undefined && s !== '');
  if (sgIds.length === 0)
    throw new ApiError('MissingParameter', 'SecurityGroupId is mandatory for this action.');
  for (const id of sgIds) {
    const sg = findSecurityGroup(ctx, region.regionId, id);
    if (sg.vpcId !== vsw.vpcId)
      throw new ApiError(
        'InvalidSecurityGroupId.NotInVpc',
        `The security group ${id} does not belong to the VPC of the VSwitch.`,
      );
  }
  const keyPairName = p.str('KeyPairName');
  if (keyPairName !== undefined) findKeyPair(ctx, region.regionId, keyPairName);
  const password = p.str('Password') ?? '';
  if (password !== '' && (password.length < 8 || password.length > 30))
    throw new ApiError('InvalidPassword.Malformed', 'The password must be 8 to 30 characters long.');
  const category = p.str('SystemDisk.Category') ?? 'cloud_efficiency';
  if (!DISK_CATEGORIES.includes(category))
    throw new ApiError(
      'InvalidSystemDiskCategory.ValueNotSupported',
      `The disk category "${category}" is not supported.`,
    );
  const sysSize = p.int('SystemDisk.Size', Math.max(image.size, 20));
  if (sysSize < image.size || sysSize < 20 || sysSize > 2048)
    throw new ApiError(
      'InvalidSystemDiskSize',
      `The system disk size must be between ${Math.max(image.size, 20)} and 2048 GiB.`,
    );
  const dataDisks = p.structs('DataDisk');
  if (
    w.list('instance', region.regionId, ctx.accountId).length + spec.count >
    w.quota(ctx.accountId, 'instances')
  )
    throw new ApiError(
      'QuotaExceeded.Instance',
      'The number of instances in this region has reached the quota.',
      403,
    );
  const out: Instance[] = [];
  for (let n = 0; n < spec.count; n++) {
    const now = w.now();
    const id = w.newId('i', region);
    const mkDisk = (type: 'system' | 'data', size: number, cat: string, device: string, del: boolean): Disk =>
      w.add<Disk>({
        kind: 'disk',
        id: w.newId('d', region),
        regionId: region.regionId,
        accountId: ctx.accountId,
        createdAt: now,
        tags: new Map(),
        timeline: [{ at: now, status: 'In_use' }],
        name: '',
        zoneId,
        category: cat,
        performanceLevel: type === 'system' ? (p.str('SystemDisk.PerformanceLevel') ?? '') : '',
        size,
        type,
        instanceId: id,
        imageId: type === 'system' ? image.id : '',
        sourceSnapshotId: '',
        device,
        deleteWithInstance: del,
      });
    const sys = mkDisk('system', sysSize, category, '/dev/xvda', true);
    sandboxHooks.diskCreated(w, sys.id, image);
    const data = dataDisks.map((d, k) =>
      mkDisk(
        'data',
        Number(d.Size ?? 20),
        d.Category ?? 'cloud_efficiency',
        `/dev/xvd${String.fromCharCode(98 + k)}`,
        d.DeleteWithInstance !== 'false',
      ),
    );
    const bandwidth = p.int('InternetMaxBandwidthOut', 0);
    const name = p.str('InstanceName') ?? id;
    const instance = w.add<Instance>({
      kind: 'instance',
      id,
      regionId: region.regionId,
      accountId: ctx.accountId,
      createdAt: now,
      tags: ctx.p.tagMap(),
      timeline: [{ at: now, status: 'Pending' }],
      name: spec.count > 1 ? `${name}${String(n + 1).padStart(3, '0')}` : name,
      hostName: p.str('HostName') ?? `iZ${id.slice(2)}Z`,
      description: p.str('Description') ?? '',
      zoneId,
      instanceType,
      imageId: image.id,
      vpcId: vsw.vpcId,
      vswitchId: vsw.id,
      securityGroupIds: sgIds,
      privateIp: LOOPBACK,
      publicIp: spec.start && bandwidth > 0 ? LOOPBACK : '',
      eipAllocationId: '',
      keyPairName: keyPairName ?? '',
      password,
      chargeType: p.str('InstanceChargeType') ?? 'PostPaid',
      internetChargeType: p.str('InternetChargeType') ?? 'PayByTraffic',
      internetMaxBandwidthOut: bandwidth,
      spotStrategy: p.str('SpotStrategy') ?? 'NoSpot',
      userData: p.str('UserData') ?? '',
      ioOptimized: p.str('IoOptimized') !== 'none',
      systemDiskId: sys.id,
      dataDiskIds: data.map((d) => d.id),
      startedAt: 0,
    });
    if (spec.start) {
      instance.startedAt = now + w.delayMs('instanceCreate') + w.delayMs('instanceStart');
      w.transition(instance, [
        [w.delayMs('instanceCreate'), 'Starting'],
        [w.delayMs('instanceStart'), 'Running'],
      ]);
    } else {
      w.transition(instance, [[w.delayMs('instanceCreate'), 'Stopped']]);
    }
    out.push(instance);
  }
  return out;
}

export const CreateInstance: Handler = (ctx) => {
  const [instance] = launch(ctx, { count: 1, start: false });
  return { InstanceId: instance?.id ?? '', OrderId: '' };
};

export const RunInstances: Handler = (ctx) => {
  const amount = ctx.p.int('Amount', 1);
  if (amount < 1 || amount > 100) throw invalidParameter('Amount', 'Amount must be between 1 and 100.');
  const instances = launch(ctx, { count: amount, start: true });
  return { InstanceIdSets: { InstanceIdSet: instances.map((i) => i.id) }, OrderId: '', TradePrice: 0 };
};
