/**
 * Stock-aware placement, before anything is made: the candidate instance types (instance_type, a
 * type or a ranked list) in the zones that have them in stock with the system disk category
 * (DescribeAvailableResource), in zone_id or the configured VSwitch's zone when there is one, with an
 * existing VSwitch of a configured VPC; and the pay-as-you-go vCPU quota for them. packer-build
 * launches the first candidate and moves on to the next when the launch finds no capacity.
 */
import { instanceTypes } from '../../config/types.ts';
import { SindriError } from '../../errors.ts';
import { type Candidate, findPlacements } from '../../images/placement.ts';
import { vcpuHeadroom, vcpusOf } from '../../images/vcpu-quota.ts';
import type { BuildContext } from '../context.ts';
import type { Step } from '../run.ts';

async function vswitchZone(ctx: BuildContext, vswitchId: string): Promise<string | undefined> {
  const body = await (await ctx.session.clients(ctx.record.region)).call('ecs', 'DescribeVSwitches', {
    regionId: ctx.record.region,
    vSwitchId: vswitchId,
  } as never);
  return (body as { vSwitches?: { vSwitch?: Array<{ zoneId?: string }> } }).vSwitches?.vSwitch?.[0]?.zoneId;
}

/** Candidates whose vCPUs fit what the quota leaves; all of them when the account reports no quota. */
async function withinQuota(ctx: BuildContext, candidates: Candidate[]): Promise<Candidate[]> {
  const clients = await ctx.session.clients(ctx.record.region);
  const headroom = await vcpuHeadroom(clients, ctx.record.region);
  if (!headroom) return candidates;
  const cpus = await vcpusOf(clients, [...new Set(candidates.map((c) => c.instanceType))]);
  const left = headroom.max - headroom.used;
  const fits = candidates.filter((c) => (cpus.get(c.instanceType) ?? 0) <= left);
  const over = [...new Set(candidates.filter((c) => !fits.includes(c)).map((c) => c.instanceType))];
  if (fits.length === 0)
    throw new SindriError(
      `the pay-as-you-go vCPU quota of ${ctx.record.region} leaves ${left} (${headroom.used} of ${headroom.max} used); ${over
        .map((t) => `${t} needs ${cpus.get(t)}`)
        .join(', ')}.`,
      {
        code: 'QuotaExceed.PostPaidVcpu',
        actions: [
          'release pay-as-you-go instances you no longer need',
          'add a smaller instance type to instance_type',
          'or request a higher vCPU quota in the Quota Center (ECS, pay-as-you-go instance vCPUs)',
        ],
      },
    );
  if (over.length > 0)
    ctx.warn(
      `the vCPU quota leaves ${left}: ${over.join(', ')} left out (${headroom.used}/${headroom.max} used)`,
    );
  return fits;
}

export const placement: Step<BuildContext> = {
  name: 'placement',
  skip: (ctx) => ctx.record.cached && 'cache hit',
  async run(ctx) {
    const a = ctx.config.providers.packer.alibaba;
    const types = instanceTypes(a);
    const zoneId = a.zone_id ?? (a.vswitch_id ? await vswitchZone(ctx, a.vswitch_id) : undefined);
    const clients = await ctx.session.clients(ctx.record.region);
    // A refused look-up fails the build here, naming ecs:DescribeAvailableResource (it is in the
    // printed policy), like every refused call: going on without it would leave packer to pick the
    // zone with ecs:DescribeZones, which that policy does not need otherwise.
    const found = await findPlacements(clients, {
      region: ctx.record.region,
      instanceTypes: types,
      systemDiskCategory: a.system_disk_category,
      zoneId,
      vpcId: a.vswitch_id ? undefined : a.vpc_id,
    });
    if (found.candidates.length === 0)
      throw new SindriError(
        `no candidate instance type can start in ${ctx.record.region}: ${found.rejected.join('; ')}.`,
        {
          code: 'OperationDenied.NoStock',
          actions: [
            'add instance types to instance_type (a ranked list), e.g. another family of the same size',
            zoneId
              ? 'remove zone_id (or use a VSwitch in another zone) so that other zones are tried'
              : 'try another region',
            'or try again later: stock is replenished',
          ],
        },
      );
    const candidates = await withinQuota(ctx, found.candidates);
    ctx.record.placement = { candidates, attempts: [] };
    const first = candidates[0] as Candidate;
    for (const r of found.rejected) ctx.progress.detail(`placement: ${r}`);
    ctx.progress.phase(
      'preflight',
      `placement: ${first.instanceType} in ${first.zoneId}${first.stock === 'ClosedWithStock' ? ' (little stock left)' : ''}${
        candidates.length > 1
          ? `, then ${candidates.length - 1} more candidate${candidates.length > 2 ? 's' : ''}`
          : ''
      }`,
    );
  },
};
