import { imagesNamed } from '../../images/images.ts';
import { sessionOrSkip } from '../errors.ts';
import type { Check } from '../types.ts';

/** source_image (or image_family) exists in the region, as packer looks it up. */
export const sourceImage: Check = {
  id: 'source-image',
  title: 'source image',
  needs: 'config',
  async run(ctx) {
    const a = ctx.config?.providers.packer.alibaba;
    if (!a) throw new Error('no configuration');
    const { clients } = await sessionOrSkip(ctx);
    if (!a.source_image && a.image_family) {
      const body = await clients.call('ecs', 'DescribeImages', {
        regionId: ctx.region,
        imageFamily: a.image_family,
        status: 'Available',
        pageSize: 1,
      });
      const img = body.images?.image?.[0];
      if (!img) {
        return {
          status: 'fail',
          detail: `no Available image in family ${a.image_family} in ${ctx.region}`,
          fix: 'check image_family or set source_image',
        };
      }
      return { status: 'pass', detail: `family ${a.image_family}: latest is ${img.imageId}` };
    }
    const id = a.source_image ?? '';
    // Packer looks the ID up as is, then among marketplace images.
    for (const alias of [undefined, 'marketplace'] as const) {
      const body = await clients.call('ecs', 'DescribeImages', {
        regionId: ctx.region,
        imageId: id,
        ...(alias ? { imageOwnerAlias: alias } : {}),
      });
      const img = body.images?.image?.find((i) => i.imageId === id);
      if (img) {
        const status = img.status ?? 'Available';
        const what = `${id} (${img.OSName ?? img.imageName ?? img.imageOwnerAlias ?? 'image'}${alias ? ', marketplace' : ''})`;
        if (status !== 'Available') {
          return { status: 'fail', detail: `${what} is ${status}`, fix: 'use an Available image' };
        }
        return { status: 'pass', detail: `${what} exists in ${ctx.region}` };
      }
    }
    return {
      status: 'fail',
      detail: `source_image ${id} does not exist in ${ctx.region}`,
      fix: `list images with \`aliyun ecs DescribeImages --RegionId ${ctx.region} --ImageOwnerAlias system\``,
    };
  },
};

/** No image of this name exists yet (or --force replaces it). */
export const imageName: Check = {
  id: 'image-name',
  title: 'image name',
  needs: 'config',
  async run(ctx) {
    const p = ctx.config?.providers.packer;
    if (!p) throw new Error('no configuration');
    const { clients } = await sessionOrSkip(ctx);
    const same = await imagesNamed(clients, ctx.region, p.image_name);
    if (same.length === 0) return { status: 'pass', detail: `${p.image_name} is free in ${ctx.region}` };
    const ids = same.map((i) => i.imageId).join(', ');
    if (ctx.force) {
      return { status: 'warn', detail: `${p.image_name} exists (${ids}); --force replaces it` };
    }
    const bySindri = same.every((i) =>
      (i.tags?.tag ?? []).some((t) => t.tagKey === 'ManagedBy' && t.tagValue === 'sindri'),
    );
    if (p.build.cache && bySindri) {
      // The build's cache reuses an image of the same configuration instead of building again.
      return {
        status: 'warn',
        detail: `${p.image_name} exists (${ids}): a build of the same configuration reuses it from the cache`,
        fix: 'after changing the configuration, build with --force or choose a new providers.packer.image_name',
      };
    }
    return {
      status: 'fail',
      detail: `an image named ${p.image_name} already exists in ${ctx.region} (${ids})`,
      fix: 'change providers.packer.image_name, or build with --force to replace it',
    };
  },
};
