/** DescribeImageFromFamily (the family rules of the image calls are in image-rules.ts). */
import { type Handler, requireRegion } from '../context.ts';
import type { Image } from '../state.ts';
import { visibleImages } from './image-rules.ts';
import { imageView } from './images.ts';

/** The fields of DescribeImageFromFamily's `Image` (SDK `DescribeImageFromFamilyResponseBodyImage`). */
const FIELDS = [
  'Architecture',
  'CreationTime',
  'Description',
  'DiskDeviceMappings',
  'ImageFamily',
  'ImageId',
  'ImageName',
  'ImageOwnerAlias',
  'ImageVersion',
  'IsCopied',
  'IsSelfShared',
  'IsSubscribed',
  'IsSupportCloudinit',
  'IsSupportIoOptimized',
  'OSName',
  'OSType',
  'Platform',
  'ProductCode',
  'Progress',
  'Size',
  'Status',
  'Tags',
  'Usage',
];

/**
 * The family's newest Available image the caller can use (its own, public, marketplace or shared):
 * newest by creation time, so deprecating the newest rolls the family back to the one before; an
 * empty `Image` when the family has no Available image.
 */
export const DescribeImageFromFamily: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const family = ctx.p.req('ImageFamily');
  const w = ctx.world;
  const newest = visibleImages(ctx, region.regionId)
    .filter((v) => v.image.imageFamily === family && w.status(v.image) === 'Available')
    .sort((a, b) => b.image.createdAt - a.image.createdAt || b.image.id.localeCompare(a.image.id))[0] as
    | { image: Image; alias: string }
    | undefined;
  if (!newest) return { Image: {} };
  const view = imageView(ctx, newest.image, newest.alias);
  return { Image: Object.fromEntries(FIELDS.map((f) => [f, view[f]])) };
};
