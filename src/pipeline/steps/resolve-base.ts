/**
 * The image the build starts from, looked up before packer runs as packer looks it up (source_image,
 * or the newest image of alibaba.image_family): recorded on the new image as its ancestry, and a
 * cached image built from another base is not reused.
 */
import { errorText } from '../../errors.ts';
import { lookUpBase } from '../../images/ancestry.ts';
import type { BuildContext } from '../context.ts';
import type { Step } from '../run.ts';

export const resolveBase: Step<BuildContext> = {
  name: 'resolve-base',
  async run(ctx) {
    const a = ctx.config.providers.packer.alibaba;
    const region = ctx.record.region;
    try {
      const base = await lookUpBase(await ctx.session.clients(region), region, {
        sourceImage: a.source_image,
        family: a.image_family,
      });
      if (base) {
        ctx.record.base = base;
        ctx.progress.detail(
          `base image: ${base.imageId}${base.family ? ` (family ${base.family})` : ''}${base.parentBuild ? `, built by sindri build ${base.parentBuild}` : ''}`,
        );
      } else
        ctx.warn(
          `the source image ${a.source_image ?? a.image_family} is not in ${region}: packer will say why`,
        );
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      ctx.warn(`could not look up the source image, so the image records no ancestry: ${errorText(err)}`);
    }
  },
};
