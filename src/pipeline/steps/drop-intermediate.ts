/**
 * With encryption, the build region's image is the encrypted copy; the unencrypted image packer
 * built goes once every copy is there (until then a resumed run may still copy from it).
 */
import { errorText } from '../../errors.ts';
import { deleteWithSnapshots } from '../../images/delete.ts';
import { findSelfImage } from '../../images/images.ts';
import { copyTargets, type PipelineContext } from '../context.ts';
import type { Step } from '../run.ts';

export const dropIntermediate: Step = {
  name: 'drop-intermediate',
  skip: (ctx) =>
    (!ctx.record.regions[ctx.record.region] || ctx.record.distribution?.sourceDeleted) &&
    'no unencrypted intermediate',
  async run(ctx: PipelineContext) {
    const { record } = ctx;
    const home = record.region;
    const state = record.distribution as NonNullable<typeof record.distribution>;
    const pending = copyTargets(ctx).filter((r) => record.regions[r]?.state !== 'available');
    if (pending.length > 0) {
      state.sourceKept = `kept the unencrypted ${state.sourceImageId} until every copy succeeds (${pending.join(', ')})`;
      return;
    }
    const clients = await ctx.session.clients(home);
    try {
      const source = await findSelfImage(clients, home, state.sourceImageId);
      if (source) await deleteWithSnapshots(clients, home, source, false, ctx.limit);
      state.sourceDeleted = true;
      delete state.sourceKept;
      record.imageId = record.regions[home]?.imageId as string;
      ctx.progress.detail(`${home}: deleted the unencrypted intermediate ${state.sourceImageId}`);
    } catch (err) {
      state.sourceKept = `could not delete the unencrypted ${state.sourceImageId}: ${errorText(err)}`;
    }
  },
};
