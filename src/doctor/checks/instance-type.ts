import type { CloudClients } from '../../cloud/index.ts';
import { instanceTypes } from '../../config/types.ts';
import { lookup, sessionOrSkip } from '../errors.ts';
import type { Check, CheckOutcome, DoctorContext } from '../types.ts';

interface ZoneStock {
  zoneId: string;
  available: boolean;
  withStock: boolean;
}

/** One instance type in the build zone (zone_id, else the VSwitch's zone, else any zone). */
async function typeOutcome(
  ctx: DoctorContext,
  clients: CloudClients,
  instanceType: string,
  zone: string | undefined,
  zoneSource: string,
  vswitch: boolean,
): Promise<CheckOutcome> {
  const body = await lookup(ctx, 'ecs:DescribeAvailableResource', () =>
    clients.call('ecs', 'DescribeAvailableResource', {
      regionId: ctx.region,
      destinationResource: 'InstanceType',
      instanceType,
      instanceChargeType: 'PostPaid',
      ioOptimized: 'optimized',
    }),
  );
  const zones: ZoneStock[] = (body.availableZones?.availableZone ?? []).map((z) => {
    const offers = (z.availableResources?.availableResource ?? []).flatMap(
      (r) => r.supportedResources?.supportedResource ?? [],
    );
    const offer = offers.find((o) => o.value === instanceType);
    return {
      zoneId: z.zoneId ?? '',
      available: !!offer && offer.status !== 'SoldOut' && z.status !== 'SoldOut',
      withStock:
        !!offer &&
        offer.statusCategory !== 'WithoutStock' &&
        offer.statusCategory !== 'ClosedWithoutStock' &&
        offer.status === 'Available',
    };
  });
  const usable = zones.filter((z) => z.available).map((z) => z.zoneId);
  const fixTypes = `choose another instance type (\`aliyun ecs DescribeAvailableResource --RegionId ${ctx.region} --DestinationResource InstanceType\`)`;
  if (usable.length === 0) {
    return {
      status: 'fail',
      detail: `${instanceType} is not available in any zone of ${ctx.region}`,
      fix: `${fixTypes} or another region`,
    };
  }
  if (zone) {
    const z = zones.find((x) => x.zoneId === zone);
    if (!z?.available) {
      return {
        status: 'fail',
        detail: `${instanceType} is not available in ${zone} (from ${zoneSource}); it is in ${usable.join(', ')}`,
        fix: vswitch
          ? `use a VSwitch in ${usable.join(' or ')}, or ${fixTypes}`
          : `set zone_id to ${usable[0]}, or ${fixTypes}`,
      };
    }
    if (!z.withStock) {
      return {
        status: 'warn',
        detail: `${instanceType} in ${zone} is short of stock`,
        fix: `try ${usable.filter((u) => u !== zone).join(', ') || 'later'}`,
      };
    }
    return { status: 'pass', detail: `${instanceType} is available in ${zone}` };
  }
  return { status: 'pass', detail: `${instanceType} is available in ${usable.join(', ')}` };
}

/**
 * The instance type (or each candidate of a ranked list) can be created in the build zone: the first
 * candidate decides, the others soften a failure into a warning (the build moves on to them).
 */
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
    const types = instanceTypes(a);
    const outcomes = await Promise.all(
      types.map((t) => typeOutcome(ctx, clients, t, zone, zoneSource, a.vswitch_id !== undefined)),
    );
    const [first] = outcomes as [CheckOutcome, ...CheckOutcome[]];
    if (types.length === 1 || first.status === 'pass') return first;
    const good = types.filter((_, i) => outcomes[i]?.status === 'pass');
    if (good.length === 0) return { ...first, detail: outcomes.map((o) => o.detail).join('; ') };
    return {
      status: 'warn',
      detail: `${first.detail}; the build moves on to ${good.join(', ')}`,
      ...(first.fix ? { fix: first.fix } : {}),
    };
  },
};
