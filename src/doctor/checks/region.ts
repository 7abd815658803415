import { didYouMean } from '../../config/suggest.ts';
import { lookup, sessionOrSkip } from '../errors.ts';
import type { Check } from '../types.ts';

/** The build region (and every copy region) exists for this account (ECS DescribeRegions). */
export const region: Check = {
  id: 'region',
  title: 'region',
  needs: 'none',
  async run(ctx) {
    const { clients } = await sessionOrSkip(ctx);
    const body = await lookup(ctx, 'ecs:DescribeRegions', () => clients.call('ecs', 'DescribeRegions', {}));
    const known = (body.regions?.region ?? []).map((r) => r.regionId ?? '').filter(Boolean);
    const wanted = [ctx.region, ...(ctx.config?.providers.packer.alibaba.image_copy_regions ?? [])];
    const unknown = wanted.filter((r) => !known.includes(r));
    if (unknown.length > 0) {
      const guesses = unknown.map((r) => {
        const g = didYouMean(r, known);
        return g ? `${r} (did you mean ${g}?)` : r;
      });
      return {
        status: 'fail',
        detail: `unknown region${unknown.length > 1 ? 's' : ''}: ${guesses.join(', ')}`,
        fix: `use one of: ${known.join(', ')}`,
      };
    }
    const copies = wanted.length > 1 ? `; copy regions ${wanted.slice(1).join(', ')} exist` : '';
    return { status: 'pass', detail: `${ctx.region} (${ctx.regionSource})${copies}` };
  },
};
