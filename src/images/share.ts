/** Sharing an image with accounts: ModifyImageSharePermission in batches, read back to verify. */
import { type CloudClients, CloudError } from '../cloud/index.ts';
import { shareAccounts } from './images.ts';
import type { Limiter } from './limit.ts';

/**
 * ModifyImageSharePermission takes at most this many accounts to add (and to remove) per call; it
 * silently ignores the ones past it, which is why every change is read back.
 */
export const SHARE_BATCH = 10;
/** Accounts one image can be shared with. */
export const MAX_SHARE_ACCOUNTS = 50;

export interface ShareState {
  imageId: string;
  /** Accounts the image is shared with, read back after the change. */
  accounts: string[];
  /** Accounts removed by --prune-shares. */
  removed: string[];
  error?: string;
}

export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function modifyInBatches(
  clients: CloudClients,
  region: string,
  imageId: string,
  add: readonly string[],
  remove: readonly string[],
  limit: Limiter,
): Promise<void> {
  const addBatches = batches(add, SHARE_BATCH);
  const removeBatches = batches(remove, SHARE_BATCH);
  for (let i = 0; i < Math.max(addBatches.length, removeBatches.length); i++) {
    const addAccount = addBatches[i] ?? [];
    const removeAccount = removeBatches[i] ?? [];
    await limit(() =>
      clients.call('ecs', 'ModifyImageSharePermission', {
        regionId: region,
        imageId,
        ...(addAccount.length > 0 ? { addAccount } : {}),
        ...(removeAccount.length > 0 ? { removeAccount } : {}),
      }),
    );
  }
}

function notVerified(imageId: string, region: string, absent: string[], lingering: string[]): CloudError {
  return new CloudError({
    code: 'ShareNotVerified',
    message: `sharing ${imageId} in ${region} did not take effect${absent.length > 0 ? `: not shared with ${absent.join(', ')}` : ''}${lingering.length > 0 ? `: still shared with ${lingering.join(', ')}` : ''}`,
  });
}

/**
 * Adds the missing accounts (and with `prune` removes the others), at most 10 per call, then reads
 * the permission back. Running it again changes nothing.
 */
export async function shareImage(
  clients: CloudClients,
  region: string,
  imageId: string,
  accounts: string[],
  prune: boolean,
  limit: Limiter,
): Promise<ShareState> {
  const current = await shareAccounts(clients, region, imageId, limit);
  const add = accounts.filter((a) => !current.includes(a));
  const remove = prune ? current.filter((a) => !accounts.includes(a)) : [];
  const total = current.length - remove.length + add.length;
  if (total > MAX_SHARE_ACCOUNTS)
    throw new CloudError({
      code: 'QuotaExceed.ShareImageUser',
      message: `${imageId} in ${region} would be shared with ${total} accounts (${current.length} now, ${add.length} to add); an image can be shared with at most ${MAX_SHARE_ACCOUNTS}`,
    });
  await modifyInBatches(clients, region, imageId, add, remove, limit);
  const after = await shareAccounts(clients, region, imageId, limit);
  const absent = accounts.filter((a) => !after.includes(a));
  const lingering = remove.filter((a) => after.includes(a));
  if (absent.length > 0 || lingering.length > 0) throw notVerified(imageId, region, absent, lingering);
  return { imageId, accounts: accounts.filter((a) => after.includes(a)), removed: remove };
}

/**
 * Stops sharing an image with every account (a shared image can be neither deleted nor deprecated),
 * 10 per call, and checks that none is left. Returns the accounts that lost access.
 */
export async function unshareAll(
  clients: CloudClients,
  region: string,
  imageId: string,
  limit: Limiter,
): Promise<string[]> {
  const current = await shareAccounts(clients, region, imageId, limit);
  if (current.length === 0) return [];
  await modifyInBatches(clients, region, imageId, [], current, limit);
  const lingering = await shareAccounts(clients, region, imageId, limit);
  if (lingering.length > 0) throw notVerified(imageId, region, [], lingering);
  return current;
}
