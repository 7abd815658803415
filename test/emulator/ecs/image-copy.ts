/** CopyImage (to another region, or encrypted into the same one) and CancelCopyImage. */
import { type CallContext, type Handler, requireRegion } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { Image } from '../state.ts';
import {
  checkImageNameFree,
  checkImageQuota,
  checkNewTags,
  findOwnImage,
  validateImageName,
  visibleImages,
} from './image-rules.ts';
import { newSnapshot } from './snapshots.ts';

/** The source: one of the caller's images, or one shared with the caller (a community image is refused). */
function copySource(ctx: CallContext, regionId: string, imageId: string): { image: Image; shared: boolean } {
  const seen = visibleImages(ctx, regionId).find((v) => v.image.id === imageId);
  if (seen?.alias === 'others' && seen.image.isPublic && !seen.image.shareAccounts.has(ctx.accountId))
    throw new ApiError('OperationDenied.CommunityImage', 'Community image does not support copy.');
  if (seen?.alias === 'others') return { image: seen.image, shared: true };
  return { image: findOwnImage(ctx, regionId, imageId), shared: false };
}

export const CopyImage: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const p = ctx.p;
  const { image: source, shared } = copySource(ctx, region.regionId, p.req('ImageId'));
  if (w.status(source) !== 'Available')
    throw new ApiError('IncorrectImageStatus', 'The image not available.');
  const destId = p.req('DestinationRegionId');
  const dest = w.region(destId);
  if (!dest) throw new ApiError('DestinationRegion.NotFound', 'The destination region not found.');
  const sameRegion = dest.regionId === region.regionId;
  if (shared && !sameRegion)
    throw new ApiError(
      'OperationDenied.SameRegionOnly',
      'The image shared from others can not be copied to another region directly.',
      403,
    );
  const kmsKeyId = p.str('KMSKeyId');
  if (kmsKeyId !== undefined && kmsKeyId !== '' && !p.bool('Encrypted'))
    throw new ApiError(
      'InvalidParameter.EncryptedIllegal',
      'The specified parameter Encrypted must be true when kmsKeyId is not empty.',
    );
  if (source.encrypted === true && p.str('Encrypted') === 'false')
    throw new ApiError(
      'OperationDeined.EncryptedSnapshot',
      'The image contains encrypted snapshots, which do not support copying to non-encrypted ones.',
      403,
    );
  const encrypted = p.bool('Encrypted') || source.encrypted === true;
  // A copy into the source's own region is how an image gets encrypted (or a shared image copied).
  if (sameRegion && !p.bool('Encrypted') && !shared)
    throw new ApiError(
      'IncorrectDestinationRegion',
      'The destination region is not equal the target region.',
      403,
    );
  const name = p.str('DestinationImageName') ?? source.name;
  validateImageName(name);
  const destCtx = { ...ctx, hostRegion: dest.regionId };
  checkImageNameFree(destCtx, dest.regionId, name);
  checkImageQuota(destCtx, dest.regionId);
  const tags = checkNewTags(ctx);
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
    accountId: ctx.accountId,
    ownerAlias: 'self',
    createdAt: now,
    tags,
    // CopyImage takes no family, and a copy does not inherit its source's.
    imageFamily: '',
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
  if (!image.copiedFrom)
    throw new ApiError('ImageCreatedNotFromCopy', 'The specified image is not created from copy.');
  if (w.status(image) !== 'Creating')
    throw new ApiError('IncorrectImageStatus', 'The image copy has already finished.');
  for (const sid of image.snapshotIds) {
    const s = w.get('snapshot', region.regionId, sid);
    if (s) w.remove(s);
  }
  w.remove(image);
  return {};
};
