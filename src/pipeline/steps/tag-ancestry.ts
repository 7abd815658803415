/**
 * Ancestry on the new image (`sindri:base`, `sindri:base-family`): what it was built from. Before the
 * test stage and the distribution, so every copy carries it too. It informs lineage and freshness
 * only: a tag that cannot be written is a warning, not a failed build.
 */
import { errorText } from '../../errors.ts';
import { baseTags } from '../../images/ancestry.ts';
import type { BuildContext } from '../context.ts';
import type { Step } from '../run.ts';

export const tagAncestry: Step<BuildContext> = {
  name: 'tag-ancestry',
  skip: (ctx) => (ctx.record.cached ? 'cache hit' : !ctx.record.base && 'no base image found'),
  async run(ctx) {
    const { record } = ctx;
    const tags = baseTags(record.base as NonNullable<typeof record.base>);
    try {
      await (await ctx.session.clients(record.region)).call('ecs', 'TagResources', {
        regionId: record.region,
        resourceType: 'image',
        resourceId: [record.imageId as string],
        tag: Object.entries(tags).map(([key, value]) => ({ key, value })) as never,
      });
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      ctx.warn(`could not record the base image on ${record.imageId} (sindri:base): ${errorText(err)}`);
    }
  },
};
