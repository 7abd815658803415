/**
 * The end of `--force`: in every region where the new image is done, the old image of the name gives
 * it up (renamed, still usable), the new one takes it, and then the old one is deleted (its shares
 * removed first, as DeleteImage refuses a shared image). At every moment a usable image exists, and a
 * run that stops here finishes the swap when it is run again.
 */
import { deleteWithSnapshots } from '../../images/delete.ts';
import { findSelfImage, imagesNamed, isManagedBySindri } from '../../images/images.ts';
import { tagRecord } from '../../images/tags.ts';
import { copyTargets, type PipelineContext, saveState } from '../context.ts';
import { finishedImages, type Replacement } from '../record.ts';
import type { Step } from '../run.ts';

async function rename(ctx: PipelineContext, region: string, imageId: string, imageName: string) {
  await (await ctx.session.clients(region)).call('ecs', 'ModifyImageAttribute', {
    regionId: region,
    imageId,
    imageName,
  });
}

/** The old images still holding the name in a region: the build region's, and sindri's copies elsewhere. */
async function holders(ctx: PipelineContext, region: string, r: Replacement, ours: ReadonlySet<string>) {
  const found = await imagesNamed(await ctx.session.clients(region), region, r.name);
  return found.filter(
    (i) =>
      !ours.has(i.imageId as string) &&
      (region === ctx.record.region || isManagedBySindri(tagRecord(i.tags))),
  );
}

async function deleteRetired(ctx: PipelineContext, r: Replacement): Promise<void> {
  const { record } = ctx;
  for (const old of [...r.retired]) {
    const clients = await ctx.session.clients(old.region);
    const image = await findSelfImage(clients, old.region, old.imageId);
    if (image) {
      const { unshared } = await deleteWithSnapshots(clients, old.region, image, true, ctx.limit);
      if (unshared.length > 0)
        record.unshared = [
          ...(record.unshared ?? []),
          { region: old.region, imageId: old.imageId, accounts: unshared, reason: 'replaced (--force)' },
        ];
      record.replaced = [...(record.replaced ?? []), old.imageId];
      ctx.progress.detail(
        `--force: deleted the earlier ${old.imageId} in ${old.region}${unshared.length > 0 ? `; it is no longer shared with ${unshared.join(', ')}` : ''}`,
      );
    }
    r.retired = r.retired.filter((x) => x.imageId !== old.imageId);
    await saveState(ctx);
  }
}

export const takeName: Step = {
  name: 'take-name',
  skip: (ctx) => (!ctx.record.replacement || ctx.record.replacement.done) && 'nothing to replace',
  async run(ctx: PipelineContext) {
    const { record } = ctx;
    const r = record.replacement as Replacement;
    const done = finishedImages(record);
    const ours = new Set([...Object.values(done), record.distribution?.sourceImageId ?? '']);
    // The swap is distribution's last part, also for a build that copies and shares nothing.
    ctx.progress.phase('distribute', `--force: the new image takes the name ${r.name}`);
    for (const [region, imageId] of Object.entries(done)) {
      for (const old of await holders(ctx, region, r, ours)) {
        await rename(ctx, region, old.imageId as string, r.retiredName);
        r.retired.push({ region, imageId: old.imageId as string });
        await saveState(ctx);
        ctx.progress.detail(`--force: ${old.imageId} in ${region} gave the name up (now ${r.retiredName})`);
      }
      const current = await findSelfImage(await ctx.session.clients(region), region, imageId);
      if (current?.imageName !== r.name) {
        await rename(ctx, region, imageId, r.name);
        ctx.progress.detail(`--force: ${imageId} in ${region} is now ${r.name}`);
      }
    }
    await deleteRetired(ctx, r);
    // A region whose copy is not done yet keeps its old image under the name until a later run.
    const pending = copyTargets(ctx).filter((region) => !(region in done));
    if (pending.length === 0) {
      r.done = true;
      record.imageName = r.name;
    }
  },
  interrupted: {
    message: 'interrupted while the new image takes the name; the old or the new image holds it.',
    fix: 'run the same command again: it finishes the replacement from the build record',
  },
};
