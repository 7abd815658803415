/** Sharing an image with other accounts. */
import { type Handler, requireRegion } from '../context.ts';
import { ApiError } from '../errors.ts';
import { paginate } from '../params.ts';
import { isoSeconds } from '../state.ts';
import { findOwnImage, isServiceKeyEncrypted } from './image-rules.ts';

/** Accounts one call adds or removes; the API ignores the ones past it. */
const ACCOUNTS_PER_CALL = 10;
/** Accounts one image can be shared with. */
const ACCOUNTS_PER_IMAGE = 50;

export const ModifyImageSharePermission: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const image = findOwnImage(ctx, region.regionId, ctx.p.req('ImageId'));
  const add = ctx.p.repeated('AddAccount').slice(0, ACCOUNTS_PER_CALL);
  const remove = ctx.p.repeated('RemoveAccount').slice(0, ACCOUNTS_PER_CALL);
  // The emulator knows no account directory: an ID that is not 16 digits is one that does not exist.
  for (const a of [...add, ...remove])
    if (!/^\d{16}$/.test(a))
      throw new ApiError(
        'InvalidAccount.NotFound',
        `The specified account ${a} in parameter "AddAccount.n" or "RemoveAccount.n" does not exist.`,
        404,
      );
  if (add.includes(ctx.accountId))
    throw new ApiError('InvalidAccount.Forbbiden', 'The specified Account does not yourself.', 404);
  const st = w.status(image);
  if (add.length > 0) {
    if (st === 'Deprecated')
      throw new ApiError(
        'OperationDenied.InvalidImageStatus',
        'The specified image cannot be shared when it is deprecated.',
        403,
      );
    if (st !== 'Available')
      throw new ApiError('IncorrectImageStatus', 'The image must be Available to be shared.', 403);
    if (isServiceKeyEncrypted(ctx, image))
      throw new ApiError(
        'InvalidOperation.ServiceKeyEncryptedImageUnsupported',
        'The specified service key encrypted image is not supported for this operation. Please switch to a CMK (Customer Master Key) encrypted image and retry.',
        403,
      );
  }
  const after = new Set(image.shareAccounts.keys());
  for (const a of remove) after.delete(a);
  for (const a of add) after.add(a);
  if (after.size > ACCOUNTS_PER_IMAGE)
    throw new ApiError('QuotaExceed.ShareImageUser', 'The shared Image user Quota exceeds.', 403);
  for (const a of remove) image.shareAccounts.delete(a);
  for (const a of add) if (!image.shareAccounts.has(a)) image.shareAccounts.set(a, w.now());
  const isPublic = ctx.p.str('IsPublic');
  if (isPublic !== undefined) image.isPublic = ctx.p.bool('IsPublic');
  return {};
};

export const DescribeImageSharePermission: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const image = findOwnImage(ctx, region.regionId, ctx.p.req('ImageId'));
  const accounts = [...image.shareAccounts].map(([id, at]) => ({ AliyunId: id, SharedTime: isoSeconds(at) }));
  const page = paginate(accounts, ctx.p);
  return {
    RegionId: region.regionId,
    ImageId: image.id,
    ...page.fields,
    Accounts: { Account: page.items },
    ShareGroups: { ShareGroup: image.isPublic ? [{ Group: 'all' }] : [] },
  };
};
