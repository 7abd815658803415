/** DescribeDisks: the system and data disks instances were launched with. */
import { type CallContext, type Handler, requireRegion } from '../context.ts';
import { ecsTags, matchesTags, paginate } from '../params.ts';
import { type Disk, isoSeconds } from '../state.ts';

function diskView(ctx: CallContext, d: Disk): Record<string, unknown> {
  return {
    DiskId: d.id,
    DiskName: d.name,
    Description: '',
    RegionId: d.regionId,
    ZoneId: d.zoneId,
    Category: d.category,
    PerformanceLevel: d.performanceLevel,
    Size: d.size,
    Type: d.type,
    Status: ctx.world.status(d),
    InstanceId: d.instanceId,
    Device: d.device,
    ImageId: d.imageId,
    SourceSnapshotId: d.sourceSnapshotId,
    DeleteWithInstance: d.deleteWithInstance,
    Portable: d.type === 'data',
    Encrypted: false,
    DiskChargeType: 'PostPaid',
    CreationTime: isoSeconds(d.createdAt),
    Attachments: {
      Attachment: d.instanceId
        ? [{ InstanceId: d.instanceId, Device: d.device, AttachedTime: isoSeconds(d.createdAt) }]
        : [],
    },
    ResourceGroupId: '',
    Tags: ecsTags(d.tags),
  };
}

export const DescribeDisks: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const p = ctx.p;
  const ids = p.jsonList('DiskIds');
  const tags = p.tags();
  const all = ctx.world
    .list('disk', region.regionId, ctx.accountId)
    .filter((d) => !ids || ids.includes(d.id))
    .filter((d) => p.str('InstanceId') === undefined || d.instanceId === p.str('InstanceId'))
    .filter(
      (d) => p.str('DiskType') === undefined || p.str('DiskType') === 'all' || d.type === p.str('DiskType'),
    )
    .filter((d) => p.str('ZoneId') === undefined || d.zoneId === p.str('ZoneId'))
    .filter((d) => matchesTags(d.tags, tags));
  const page = paginate(all, p, { nextToken: true });
  return { ...page.fields, Disks: { Disk: page.items.map((d) => diskView(ctx, d)) } };
};
