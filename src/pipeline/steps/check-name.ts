/** Image names are unique per region: an image holding the name stops the build unless --force. */
import { SindriError } from '../../errors.ts';
import { imagesNamed } from '../../images/images.ts';
import type { NamingContext } from '../context.ts';
import type { Step } from '../run.ts';

export const checkName: Step<NamingContext> = {
  name: 'check-name',
  skip: (ctx) => ctx.record.cached && 'cache hit',
  async run(ctx) {
    const { record } = ctx;
    const taken = await imagesNamed(
      await ctx.session.clients(record.region),
      record.region,
      record.imageName,
    );
    ctx.work.sameName = taken.map((i) => i.imageId as string);
    if (ctx.work.sameName.length > 0 && !ctx.options.force) {
      throw new SindriError(
        `an image named ${record.imageName} already exists in ${record.region} (${ctx.work.sameName[0]}).`,
        {
          actions: [
            'use --force to replace it, or choose another name (providers.packer.image_name, or --name)',
          ],
          code: 'ImageNameTaken',
        },
      );
    }
  },
};
