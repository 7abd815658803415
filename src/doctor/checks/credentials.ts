import { describeCheckError, sessionOrSkip } from '../errors.ts';
import type { Check } from '../types.ts';

/** Credentials resolvable (which source won) and valid (STS GetCallerIdentity). */
export const credentials: Check = {
  id: 'credentials',
  title: 'credentials',
  needs: 'none',
  async run(ctx) {
    let source: string;
    try {
      source = (await ctx.session()).credentials.source;
    } catch (err) {
      const { detail, fix } = describeCheckError(err);
      return {
        status: 'fail',
        detail,
        fix: fix ?? 'export ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY, or run `aliyun configure`',
      };
    }
    await sessionOrSkip(ctx);
    const id = await ctx.identity();
    return {
      status: 'pass',
      detail: `${source}: account ${id.accountId}, ${id.arn} (${id.identityType})`,
    };
  },
};
