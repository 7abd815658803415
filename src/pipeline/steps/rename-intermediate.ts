/**
 * Image names are unique per region: with encryption, the unencrypted image packer built gives its
 * name up to the encrypted copy that replaces it in the build region.
 */
import { findSelfImage } from '../../images/images.ts';
import type { PipelineContext } from '../context.ts';
import type { Step } from '../run.ts';

const SUFFIX = '-unencrypted';

export const renameIntermediate: Step = {
  name: 'rename-intermediate',
  skip: (ctx) =>
    (!ctx.record.regions[ctx.record.region] || ctx.record.distribution?.sourceDeleted) &&
    'no encrypted copy in the build region',
  async run(ctx: PipelineContext) {
    const { record } = ctx;
    const home = record.region;
    const sourceId = record.distribution?.sourceImageId as string;
    const clients = await ctx.session.clients(home);
    const source = await findSelfImage(clients, home, sourceId);
    if (source?.imageName !== record.imageName) return;
    const renamed = `${record.imageName.slice(0, 128 - SUFFIX.length)}${SUFFIX}`;
    await clients.call('ecs', 'ModifyImageAttribute', {
      regionId: home,
      imageId: sourceId,
      imageName: renamed,
    });
    ctx.progress.detail(`${home}: renamed the unencrypted ${sourceId} to ${renamed}`);
  },
};
