/**
 * `--force` over a name an image already holds: the new image is built (and copied) under a staging
 * name, so the old one stays usable until the new one is done; take-name swaps them at the end.
 */
import type { NamingContext } from '../context.ts';
import { derivedName } from '../record.ts';
import type { Step } from '../run.ts';

export const stageName: Step<NamingContext> = {
  name: 'stage-name',
  skip: (ctx) =>
    (ctx.record.cached || ctx.work.sameName.length === 0 || ctx.record.replacement !== undefined) &&
    'no image to replace',
  async run(ctx) {
    const { record } = ctx;
    record.replacement = {
      name: record.imageName,
      retiredName: derivedName(record.imageName, 'old', record.buildId),
      retired: [],
    };
    record.imageName = derivedName(record.imageName, 'next', record.buildId);
    ctx.progress.detail(
      `--force: building as ${record.imageName}; it takes the name ${record.replacement.name} from ${ctx.work.sameName.join(', ')} once it is done`,
    );
  },
};
