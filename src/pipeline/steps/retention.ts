/**
 * Retires older images of the same name in every region the new image reached (the plan's
 * retention). Its problems are warnings, never a failed build: the image it could not retire stays.
 */
import { errorText } from '../../errors.ts';
import { applyRetention } from '../../images/retention.ts';
import type { PipelineContext } from '../context.ts';
import { finishedImages } from '../record.ts';
import type { Step } from '../run.ts';

export const retention: Step = {
  name: 'retention',
  skip: (ctx) =>
    ctx.plan.retention?.keep === undefined &&
    ctx.plan.retention?.deleteAfterDays === undefined &&
    'no retention policy',
  async run(ctx: PipelineContext) {
    const { record, plan } = ctx;
    const distribution = record.distribution as NonNullable<typeof record.distribution>;
    const images = finishedImages(record);
    const exclude = new Set<string>([distribution.sourceImageId, ...Object.values(images)]);
    for (const entry of Object.values(record.regions)) if (entry.imageId) exclude.add(entry.imageId);
    try {
      distribution.retention = await applyRetention({
        clientsFor: (region) => ctx.session.clients(region),
        regions: Object.keys(images),
        imageName: record.imageName,
        buildId: record.buildId,
        exclude,
        policy: plan.retention ?? {},
        force: plan.force,
        now: ctx.tuning.now ?? ctx.clock.now(),
        limit: ctx.limit,
        onProgress: (line) => ctx.progress.detail(line),
      });
      for (const a of distribution.retention.actions)
        if (a.error) ctx.warn(`retention could not ${a.action} ${a.imageId} (${a.region}): ${a.error}`);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      distribution.retention = { actions: [], error: errorText(err) };
      ctx.warn(`retention did not run: ${errorText(err)}`);
    }
  },
};
