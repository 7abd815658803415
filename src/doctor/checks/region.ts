import { describeUnknownRegion, unknownRegions } from '../../cloud/regions.ts';
import { lookup, sessionOrSkip } from '../errors.ts';
import type { Check } from '../types.ts';

/**
 * The build region (and every copy region) exists for this account (ECS DescribeRegions), judged by
 * the rule the build's preflight applies (src/cloud/regions.ts `unknownRegions`).
 */
export const region: Check = {
  id: 'region',
  title: 'region',
  needs: 'none',
  async run(ctx) {
    await sessionOrSkip(ctx);
    const known = await lookup(ctx, 'ecs:DescribeRegions', () => ctx.regions());
    const wanted = [ctx.region, ...(ctx.config?.providers.packer.alibaba.image_copy_regions ?? [])];
    const unknown = unknownRegions(wanted, known);
    if (unknown.length > 0) {
      return {
        status: 'fail',
        detail: `unknown region${unknown.length > 1 ? 's' : ''}: ${unknown.map(describeUnknownRegion).join(', ')}`,
        fix: `use one of: ${known.join(', ')}`,
      };
    }
    const copies = wanted.length > 1 ? `; copy regions ${wanted.slice(1).join(', ')} exist` : '';
    return { status: 'pass', detail: `${ctx.region} (${ctx.regionSource})${copies}` };
  },
};
