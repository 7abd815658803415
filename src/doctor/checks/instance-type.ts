import { lookup, sessionOrSkip } from '../errors.ts';
import type { Check } from '../types.ts';

interface ZoneStock {
  zoneId: string;
  available: boolean;
  withStock: boolean;
}

/** The instance type can be created in the build zone (zone_id, else the VSwitch's zone, else any zone). */
export const instanceType: Check = {
  id: 'instance-type',
  title: 'instance type',
  needs: 'config',
  async run(ctx) {
    const { clients } = await sessionOrSkip(ctx);
    const a = ctx.config?.providers.packer.alibaba;
    if (!a) throw new Error('no configuration');
    let zone = a.zone_id;
    let zoneSource = 'zone_id';
    if (!zone && a.vswitch_id) {
      zone = await ctx.vswitch().then(
        (v) => v?.zoneId || undefined,
        () => undefined,
      );
      zoneSource = 'the VSwitch';
    }
    const body = await lookup(ctx, 'ecs:DescribeAvailableResource', () =>
      clients.call('ecs', 'DescribeAvailableResource', {
        regionId: ctx.region,
        destinationResource: 'InstanceType',
        instanceType: a.instance_type,
        instanceChargeType: 'PostPaid',
        ioOptimized: 'optimized',
      }),
    );
    const zones: ZoneStock[] = (body.availableZones?.availableZone ?? []).map((z) => {
      const offers = (z.availableResources?.availableResource ?? []).flatMap(
        (r) => r.supportedResources?.supportedResource ?? [],
      );
      const offer = offers.find((o) => o.value === a.instance_type);
      return {
        zoneId: z.zoneId ?? '',
        available: !!offer && offer.status !== 'SoldOut' && z.status !== 'SoldOut',
        withStock: !!offer && offer.statusCategory !== 'WithoutStock' && offer.status === 'Available',
      };
    });
    const usable = zones.filter((z) => z.available).map((z) => z.zoneId);
    const fixTypes = `choose another instance type (\`aliyun ecs DescribeAvailableResource --RegionId ${ctx.region} --DestinationResource InstanceType\`)`;
    if (usable.length === 0) {
      return {
        status: 'fail',
        detail: `${a.instance_type} is not available in any zone of ${ctx.region}`,
        fix: `${fixTypes} or another region`,
      };
    }
    if (zone) {
      const z = zones.find((x) => x.zoneId === zone);
      if (!z?.available) {
        return {
          status: 'fail',
          detail: `${a.instance_type} is not available in ${zone} (from ${zoneSource}); it is in ${usable.join(', ')}`,
          fix: a.vswitch_id
            ? `use a VSwitch in ${usable.join(' or ')}, or ${fixTypes}`
            : `set zone_id to ${usable[0]}, or ${fixTypes}`,
        };
      }
      if (!z.withStock) {
        return {
          status: 'warn',
          detail: `${a.instance_type} in ${zone} is short of stock`,
          fix: `try ${usable.filter((u) => u !== zone).join(', ') || 'later'}`,
        };
      }
      return { status: 'pass', detail: `${a.instance_type} is available in ${zone}` };
    }
    return { status: 'pass', detail: `${a.instance_type} is available in ${usable.join(', ')}` };
  },
};
