/** Shares every finished image with the plan's accounts (and with --prune-shares, only with them). */
import { errorText } from '../../errors.ts';
import { shareImage } from '../../images/share.ts';
import type { PipelineContext } from '../context.ts';
import { finishedImages } from '../record.ts';
import type { Step } from '../run.ts';

export const share: Step = {
  name: 'share',
  skip: (ctx) => ctx.plan.shareAccounts.length === 0 && !ctx.plan.pruneShares && 'no accounts to share with',
  async run(ctx: PipelineContext) {
    const { record, plan } = ctx;
    const distribution = record.distribution as NonNullable<typeof record.distribution>;
    distribution.shares ??= {};
    const shares = distribution.shares;
    const accounts = [...plan.shareAccounts];
    await Promise.all(
      Object.entries(finishedImages(record)).map(async ([region, imageId]) => {
        try {
          const clients = await ctx.session.clients(region);
          shares[region] = await shareImage(clients, region, imageId, accounts, plan.pruneShares, ctx.limit);
          const removed = shares[region].removed;
          ctx.progress.detail(
            `${region}: ${imageId} shared with ${accounts.join(', ') || 'nobody'} (verified)${removed.length > 0 ? `; removed ${removed.join(', ')}` : ''}`,
          );
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          shares[region] = { imageId, accounts: [], removed: [], error: errorText(err) };
          ctx.progress.detail(`${region}: sharing failed: ${errorText(err)}`);
        }
      }),
    );
  },
};
