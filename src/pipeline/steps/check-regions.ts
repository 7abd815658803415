/**
 * Every region the image goes to exists for this account, asked of DescribeRegions before packer
 * starts: a mistyped copy region would otherwise fail only after a whole build. A region the account
 * does not have is a configuration error at its line, with the closest region it does have.
 */
import { unknownRegions } from '../../cloud/regions.ts';
import { ConfigError } from '../../config/errors.ts';
import { problemAt } from '../../config/problem-at.ts';
import type { BuildContext } from '../context.ts';
import type { Step } from '../run.ts';

const ALIBABA = 'providers.packer.alibaba';

export const checkRegions: Step<BuildContext> = {
  name: 'check-regions',
  async run(ctx) {
    const available = await ctx.session.allRegions();
    const copies = ctx.config.providers.packer.alibaba.image_copy_regions;
    const unknown = unknownRegions([ctx.record.region, ...ctx.plan.copyRegions], available);
    if (unknown.length === 0) return;
    throw new ConfigError(
      unknown.map((u) => {
        const index = copies.indexOf(u.region);
        const path =
          u.region === ctx.record.region ? `${ALIBABA}.region` : `${ALIBABA}.image_copy_regions[${index}]`;
        return problemAt(
          ctx.loaded,
          path,
          `region "${u.region}" is not one this account can use (ECS DescribeRegions)`,
          u.suggestion ? `did you mean "${u.suggestion}"?` : `use one of: ${available.join(', ')}`,
        );
      }),
    );
  },
};
