/** `--force`: the earlier image of the same name goes (with its copies), so the new one can take the name. */
import { deleteImagesNamed } from '../../images/replace.ts';
import type { NamingContext } from '../context.ts';
import type { Step } from '../run.ts';

export const replace: Step<NamingContext> = {
  name: 'replace',
  skip: (ctx) => (ctx.record.cached || ctx.work.sameName.length === 0) && 'nothing to replace',
  async run(ctx) {
    const replaced = await deleteImagesNamed({
      clientsFor: (region) => ctx.session.clients(region),
      region: ctx.record.region,
      name: ctx.record.imageName,
      copyRegions: [...ctx.plan.copyRegions],
      say: (line) => ctx.progress.detail(line),
    });
    ctx.record.replaced = replaced.map((r) => r.imageId);
    const unshared = replaced.filter((r) => r.unshared.length > 0);
    if (unshared.length > 0)
      ctx.record.unshared = [
        ...(ctx.record.unshared ?? []),
        ...unshared.map((r) => ({
          region: r.region,
          imageId: r.imageId,
          accounts: r.unshared,
          reason: 'replaced (--force)',
        })),
      ];
  },
};
