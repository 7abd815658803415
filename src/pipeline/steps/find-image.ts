/**
 * `sindri packer distribute`: the image must be one of the account's own in the region; its
 * sindri:build-id tag finds the build's record, which is continued, else a new record starts.
 */
import { SindriError } from '../../errors.ts';
import { findSelfImage } from '../../images/images.ts';
import { BUILD_ID_TAG, CONFIG_HASH_TAG, tagRecord } from '../../images/tags.ts';
import type { PipelineContext } from '../context.ts';
import { savedRecord } from '../record.ts';
import type { Step } from '../run.ts';

export const findImage: Step = {
  name: 'find-image',
  async run(ctx: PipelineContext) {
    const { record } = ctx;
    const imageId = record.imageId as string;
    const image = await findSelfImage(await ctx.session.clients(record.region), record.region, imageId);
    if (!image)
      throw new SindriError(`image ${imageId} was not found in ${record.region}.`, {
        code: 'ImageNotFound',
        actions: ['pass --region with the region the image was built in'],
      });
    const tags = tagRecord(image.tags);
    const buildId = tags[BUILD_ID_TAG] ?? `image-${imageId}`;
    const saved = await savedRecord(ctx.configDir, buildId, imageId);
    if (saved) {
      ctx.record = saved;
      ctx.progress.detail(`continuing the distribution recorded for build ${buildId}`);
      return;
    }
    Object.assign(record, {
      buildId,
      configHash: tags[CONFIG_HASH_TAG] ?? '',
      imageName: image.imageName ?? record.imageName,
      status: 'built',
    });
  },
};
