/** CopyImage (to another region, or encrypted into the same one) and CancelCopyImage. */
import { type Handler, requireRegion } from '../context.ts';
import { ApiError, invalidParameter } from '../errors.ts';
import type { Image } from '../state.ts';
import { checkImageNameFree, checkImageQuota, findOwnImage, validateImageName } from './image-rules.ts';
import { newSnapshot } from './snapshots.ts';

export const CopyImage: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const p = ctx.p;
  const source = findOwnImage(ctx, region.regionId, p.req('ImageId'));
  if (w.status(source) !== 'Available')
    throw new ApiError('IncorrectImageStatus', 'The image must be Available to be copied.', 403);
  const destId = p.req('DestinationRegionId');
  const dest = w.region(destId);
  if (!dest)
    throw new ApiError(
      'InvalidRegionId.NotFound',
      `The specified DestinationRegionId "${destId}" does not exist.`,
      404,
    );
  const encrypted = p.bool('Encrypted') || source.encrypted === true;
  const kmsKeyId = p.str('KMSKeyId');
  if (kmsKeyId !== undefined && kmsKeyId !== '' && !p.bool('Encrypted'))
    throw invalidParameter('KMSKeyId', 'KMSKeyId requires Encrypted=true.');
  // A copy into the source's own region is how an image gets encrypted.
  if (dest.regionId === region.regionId && !p.bool('Encrypted'))
    throw invalidParameter(
      'DestinationRegionId',
      'The destination region must differ from the source region unless the copy is encrypted.',
    );
  const name = p.str('DestinationImageName') ?? source.name;
  validateImageName(name);
  const destCtx = { ...ctx, hostRegion: dest.regionId };
  checkImageNameFree(destCtx, dest.regionId, name);
  checkImageQuota(destCtx, dest.regionId);
  const now = w.now();
  const until = now + w.delayMs('imageCopy');
  const snapshots = source.snapshotIds.map((sid) => {
    const s = w.get('snapshot', region.regionId, sid);
    return newSnapshot(
      ctx,
      dest,
      { id: '', size: s?.sourceDiskSize ?? source.size, type: s?.sourceDiskType ?? 'system' },
      until,
    );
  });
  const key = encrypted ? (kmsKeyId ?? (p.bool('Encrypted') ? '' : (source.kmsKeyId ?? ''))) : '';
  for (const s of snapshots) {
    s.name = `Copied from ${source.id}`;
    s.encrypted = encrypted;
    s.kmsKeyId = key;
  }
  const image = w.add<Image>({
    ...source,
    id: w.newId('m', dest),
    regionId: dest.regionId,
    createdAt: now,
    tags: ctx.p.tagMap(),
    timeline: [{ at: now, status: 'Creating' }],
    name,
    description: p.str('DestinationDescription') ?? source.description,
    snapshotIds: snapshots.map((s) => s.id),
    copiedFrom: source.id,
    shareAccounts: new Map(),
    isPublic: false,
    creatingFrom: now,
    creatingUntil: until,
    encrypted,
    kmsKeyId: key,
  });
  w.transition(image, [[until - now, w.copyFailures.has(dest.regionId) ? 'CreateFailed' : 'Available']]);
  return { ImageId: image.id };
};

export const CancelCopyImage: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const image = findOwnImage(ctx, region.regionId, ctx.p.req('ImageId'));
  if (!image.copiedFrom || w.status(image) !== 'Creating')
    throw new ApiError(
      'IncorrectImageStatus',
      'Only an image that is still being copied can be cancelled.',
      403,
    );
  for (const sid of image.snapshotIds) {
    const s = w.get('snapshot', region.regionId, sid);
    if (s) w.remove(s);
  }
  w.remove(image);
  return {};
};
