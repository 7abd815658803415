/** Which images a caller sees or owns, and the rules every new image name must pass. */
import type { CallContext } from '../context.ts';
import { ApiError, notFound } from '../errors.ts';
import type { Image } from '../state.ts';
import { MAX_TAGS_PER_RESOURCE } from '../tags.ts';

/** Images the caller can see in a region, with the owner alias as seen by the caller. */
export function visibleImages(ctx: CallContext, regionId: string): Array<{ image: Image; alias: string }> {
  const out: Array<{ image: Image; alias: string }> = [];
  for (const image of ctx.world.list('image', regionId)) {
    if (image.ownerAlias === 'system' || image.ownerAlias === 'marketplace')
      out.push({ image, alias: image.ownerAlias });
    else if (image.accountId === ctx.accountId) out.push({ image, alias: 'self' });
    else if (image.shareAccounts.has(ctx.accountId) || image.isPublic) out.push({ image, alias: 'others' });
  }
  return out;
}

export function findOwnImage(ctx: CallContext, regionId: string, imageId: string): Image {
  const image = ctx.world.get('image', regionId, imageId);
  if (!image || image.accountId !== ctx.accountId)
    throw notFound('ImageId', `The specified ImageId "${imageId}" does not exist.`);
  return image;
}

export function findUsableImage(ctx: CallContext, regionId: string, imageId: string): Image {
  const found = visibleImages(ctx, regionId).find((v) => v.image.id === imageId);
  if (!found) throw notFound('ImageId', `The specified ImageId "${imageId}" does not exist.`);
  return found.image;
}

export function validateImageName(name: string): void {
  if (
    name.length < 2 ||
    name.length > 128 ||
    !/^[\p{L}]/u.test(name) ||
    /^(https?:\/\/|aliyun|acs:)/i.test(name) ||
    !/^[\p{L}\p{N}._:\- ]+$/u.test(name)
  )
    throw new ApiError('InvalidImageName.Malformed', `The specified ImageName "${name}" is not valid.`);
}

export function checkImageNameFree(ctx: CallContext, regionId: string, name: string, except?: string): void {
  const clash = ctx.world
    .list('image', regionId, ctx.accountId)
    .find((i) => i.name === name && i.id !== except && ctx.world.status(i) !== 'CreateFailed');
  if (clash)
    throw new ApiError(
      'InvalidImageName.Duplicated',
      `The specified ImageName "${name}" is already used by ${clash.id}.`,
    );
}

export function checkImageQuota(ctx: CallContext, regionId: string): void {
  if (
    ctx.world.list('image', regionId, ctx.accountId).length >= ctx.world.quota(ctx.accountId, 'customImages')
  )
    throw new ApiError(
      'QuotaExceed.Image',
      `The number of images exceeds the limit (${ctx.world.quota(ctx.accountId, 'customImages')}).`,
      403,
    );
}

/** `DescribeImages` `ImageName`: the name anywhere in the image's name, any case ("fuzzy match"). */
export function fuzzyNameFilter(name: string | undefined): (value: string) => boolean {
  if (name === undefined || name === '') return () => true;
  const wanted = name.toLowerCase();
  return (value) => value.toLowerCase().includes(wanted);
}

/** Encrypted with the region's default service key (a snapshot encrypted without a KMS key). */
export function isServiceKeyEncrypted(ctx: CallContext, image: Image): boolean {
  const snapshots = image.snapshotIds.map((id) => ctx.world.get('snapshot', image.regionId, id));
  if (snapshots.some((s) => s?.encrypted === true && !s.kmsKeyId)) return true;
  return image.encrypted === true && !image.kmsKeyId && snapshots.every((s) => s?.encrypted !== true);
}

/** A `Tag.N` list on a create call: at most 20 (the same limit as on the resource itself). */
export function checkNewTags(ctx: CallContext): Map<string, string> {
  const tags = ctx.p.tagMap();
  if (tags.size > MAX_TAGS_PER_RESOURCE)
    throw new ApiError('InvalidTagCount', 'The specified tags are beyond the permitted range.');
  return tags;
}

/** Images one family holds at most in a region (guide "Image family overview"). */
export const MAX_IMAGES_PER_FAMILY = 100;

/**
 * A family name: 2–128 characters, starting with a letter, not `aliyun` or `acs:`, without
 * `http(s)://`; digits, `:`, `_` and `-` (and `.` on ModifyImageAttribute only).
 */
export function validateImageFamily(family: string, allowDot: boolean): void {
  const body = allowDot ? /^[\p{L}\p{N}_:.-]+$/u : /^[\p{L}\p{N}_:-]+$/u;
  if (
    family.length < 2 ||
    family.length > 128 ||
    !/^\p{L}/u.test(family) ||
    /^(aliyun|acs:)/.test(family) ||
    /https?:\/\//.test(family) ||
    !body.test(family)
  )
    throw new ApiError('InvalidImageFamily.Malformed', `The specified ImageFamily "${family}" is not valid.`);
}

/** Refuses a family that already holds as many of the caller's images as one can. */
export function checkFamilyRoom(ctx: CallContext, regionId: string, family: string, except?: string): void {
  const members = ctx.world
    .list('image', regionId, ctx.accountId)
    .filter((i) => i.imageFamily === family && i.id !== except);
  if (members.length >= MAX_IMAGES_PER_FAMILY)
    throw new ApiError(
      'ImageQuotaFull.ImageFamily',
      `The image family "${family}" already holds ${MAX_IMAGES_PER_FAMILY} images.`,
    );
}

/** A family name on a create or modify call: valid, and with room; undefined when none was given. */
export function familyParam(
  ctx: CallContext,
  regionId: string,
  opts: { allowDot: boolean; except?: string },
): string | undefined {
  const family = ctx.p.str('ImageFamily');
  if (family === undefined || family === '') return family;
  validateImageFamily(family, opts.allowDot);
  checkFamilyRoom(ctx, regionId, family, opts.except);
  return family;
}
