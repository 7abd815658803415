/**
 * The build cache: an available image built from the same configuration (its config-hash tag) and
 * the same base image (its sindri:base tag, when it has one) is the result, and its build's record, when saved, is continued (a distribution that stopped resumes).
 * `--force` and `cache: false` skip the cache, but never a `--force` replacement that stopped half
 * way: that build's image is taken and its replacement finished.
 */
import { parseBase } from '../../images/ancestry.ts';
import type { SdkImage } from '../../images/images.ts';
import { selfImages } from '../../images/images.ts';
import { BUILD_ID_TAG, CONFIG_HASH_TAG, tagRecord } from '../../images/tags.ts';
import type { BuildContext } from '../context.ts';
import { type BuildRecord, savedRecord } from '../record.ts';
import type { Step } from '../run.ts';

interface Hit {
  image: SdkImage;
  buildId: string | undefined;
  saved: BuildRecord | undefined;
}

async function hits(ctx: BuildContext): Promise<Hit[]> {
  const { record } = ctx;
  const images = await selfImages(await ctx.session.clients(record.region), record.region, {
    tags: { [CONFIG_HASH_TAG]: record.configHash },
    status: 'Available',
  });
  return Promise.all(
    images.map(async (image) => {
      const buildId = tagRecord(image.tags)[BUILD_ID_TAG];
      const saved = buildId ? await savedRecord(ctx.configDir, buildId, image.imageId as string) : undefined;
      return { image, buildId, saved };
    }),
  );
}

const unfinishedReplacement = (h: Hit) => h.saved?.replacement !== undefined && !h.saved.replacement.done;

/** The base an image records, when it records one and it is not the one this build starts from. */
function otherBase(ctx: BuildContext, h: Hit): string | undefined {
  const recorded = parseBase(tagRecord(h.image.tags))?.imageId;
  const now = ctx.record.base?.imageId;
  return recorded && now && recorded !== now ? recorded : undefined;
}

export const lookUpCache: Step<BuildContext> = {
  name: 'cache',
  async run(ctx) {
    const { record } = ctx;
    const useCache = ctx.config.providers.packer.build.cache && !ctx.options.force;
    const found = await hits(ctx);
    // The same configuration on another base (a newer image of the source family) is built anew.
    const stale = found.filter((h) => otherBase(ctx, h));
    const hit =
      found.find(unfinishedReplacement) ?? (useCache ? found.find((h) => !otherBase(ctx, h)) : undefined);
    if (!hit && useCache && stale[0])
      ctx.progress.detail(
        `${stale[0].image.imageId} has this configuration but was built from ${otherBase(ctx, stale[0])}, not ${record.base?.imageId}: building again`,
      );
    if (!hit?.image.imageId) return;
    ctx.progress.detail(
      unfinishedReplacement(hit)
        ? `${hit.image.imageId} was built by an interrupted --force: finishing its replacement`
        : `cache hit: ${hit.image.imageId} was built from the same configuration`,
    );
    record.cached = true;
    record.imageId = hit.image.imageId;
    record.status = 'built';
    // The cached image's own build ID finds copies made by its build, so they are reused too.
    if (hit.buildId) record.buildId = hit.buildId;
    const saved = hit.saved;
    if (saved) {
      const { regions, startedAt, imageId, imageName, distribution, replacement, replaced, unshared, test } =
        saved;
      Object.assign(record, { regions, startedAt, imageId, imageName });
      if (distribution) record.distribution = distribution;
      if (replacement) record.replacement = replacement;
      if (replaced) record.replaced = replaced;
      if (unshared) record.unshared = unshared;
      // An image already tested is not tested again.
      if (test) record.test = test;
      ctx.progress.detail(`resuming the distribution recorded for build ${record.buildId}`);
    }
  },
};
