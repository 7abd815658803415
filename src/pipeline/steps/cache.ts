/**
 * The build cache: an available image built from the same configuration (its config-hash tag) is
 * the result, and its build's record, when saved, is continued (a distribution that stopped resumes).
 */
import { selfImages } from '../../images/images.ts';
import { BUILD_ID_TAG, CONFIG_HASH_TAG, tagRecord } from '../../images/tags.ts';
import type { BuildContext } from '../context.ts';
import { savedRecord } from '../record.ts';
import type { Step } from '../run.ts';

export const lookUpCache: Step<BuildContext> = {
  name: 'cache',
  async run(ctx) {
    const { record } = ctx;
    const useCache = ctx.config.providers.packer.build.cache && !ctx.options.force;
    const hit = useCache
      ? (
          await selfImages(await ctx.session.clients(record.region), record.region, {
            tags: { [CONFIG_HASH_TAG]: record.configHash },
            status: 'Available',
          })
        )[0]
      : undefined;
    if (!hit?.imageId) return;
    ctx.progress.detail(`cache hit: ${hit.imageId} was built from the same configuration`);
    record.cached = true;
    record.imageId = hit.imageId;
    record.status = 'built';
    // The cached image's own build ID finds copies made by its build, so they are reused too.
    const buildId = tagRecord(hit.tags)[BUILD_ID_TAG];
    if (buildId) record.buildId = buildId;
    const saved = await savedRecord(ctx.configDir, record.buildId, hit.imageId);
    if (saved) {
      Object.assign(record, { regions: saved.regions, startedAt: saved.startedAt, imageId: saved.imageId });
      if (saved.distribution) record.distribution = saved.distribution;
      ctx.progress.detail(`resuming the distribution recorded for build ${record.buildId}`);
    }
  },
};
