/**
 * Every finished image joins the configured image family, in its region (CopyImage takes no family,
 * and packer 1.6.6's CreateImage none either), so the family's newest image is this build's
 * wherever it was copied. A region that fails is a distribution error: a rerun resumes it.
 */
import { errorText } from '../../errors.ts';
import { setImageFamily } from '../../images/families.ts';
import { findSelfImage } from '../../images/images.ts';
import type { PipelineContext } from '../context.ts';
import { finishedImages } from '../record.ts';
import type { Step } from '../run.ts';

export const joinFamily: Step = {
  name: 'join-family',
  skip: (ctx) => !ctx.plan.family && 'no image family configured',
  async run(ctx: PipelineContext) {
    const family = ctx.plan.family as string;
    const { record } = ctx;
    record.family = { name: family, regions: {} };
    const regions = record.family.regions;
    await Promise.all(
      Object.entries(finishedImages(record)).map(async ([region, imageId]) => {
        try {
          const clients = await ctx.session.clients(region);
          const image = await ctx.limit(() => findSelfImage(clients, region, imageId));
          const joined = await ctx.limit(() =>
            setImageFamily(clients, region, { imageId, imageFamily: image?.imageFamily }, family),
          );
          regions[region] = { imageId };
          ctx.progress.detail(`${region}: ${imageId} ${joined ? 'joined' : 'is in'} image family ${family}`);
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          regions[region] = { imageId, error: errorText(err) };
          ctx.progress.detail(
            `${region}: ${imageId} could not join image family ${family}: ${errorText(err)}`,
          );
        }
      }),
    );
  },
};
