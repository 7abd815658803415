/** Sharing an image with other accounts. */
import { type Handler, requireRegion } from '../context.ts';
import { ApiError, invalidParameter } from '../errors.ts';
import { paginate } from '../params.ts';
import { isoSeconds } from '../state.ts';
import { findOwnImage } from './image-rules.ts';

export const ModifyImageSharePermission: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const image = findOwnImage(ctx, region.regionId, ctx.p.req('ImageId'));
  const add = ctx.p.repeated('AddAccount');
  const remove = ctx.p.repeated('RemoveAccount');
  if (add.length > 10 || remove.length > 10)
    throw invalidParameter('AddAccount', 'At most 10 accounts can be added or removed in one call.');
  for (const a of [...add, ...remove])
    if (!/^\d{16}$/.test(a))
      throw new ApiError('InvalidAccount.Malformed', `The specified account "${a}" is not valid.`);
  if (add.includes(ctx.accountId))
    throw new ApiError('InvalidAccount.Forbidden', 'An image cannot be shared with its owner.');
  const st = w.status(image);
  if (st !== 'Available' && st !== 'Deprecated')
    throw new ApiError('IncorrectImageStatus', 'The image must be Available to be shared.', 403);
  for (const a of remove) image.shareAccounts.delete(a);
  for (const a of add) if (!image.shareAccounts.has(a)) image.shareAccounts.set(a, w.now());
  if (image.shareAccounts.size > 50)
    throw new ApiError('QuotaExceeded.ShareAccount', 'An image can be shared with at most 50 accounts.');
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
