/** Sharing an image with accounts: ModifyImageSharePermission in batches, read back to verify. */
import { type CloudClients, CloudError } from '../cloud/index.ts';
import { shareAccounts } from './images.ts';
import type { Limiter } from './limit.ts';

/** ModifyImageSharePermission takes at most this many accounts to add (and to remove) per call. */
export const SHARE_BATCH = 10;

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
  const after = await shareAccounts(clients, region, imageId, limit);
  const absent = accounts.filter((a) => !after.includes(a));
  const lingering = remove.filter((a) => after.includes(a));
  if (absent.length > 0 || lingering.length > 0) {
    throw new CloudError({
      code: 'ShareNotVerified',
      message: `sharing ${imageId} in ${region} did not take effect${absent.length > 0 ? `: not shared with ${absent.join(', ')}` : ''}${lingering.length > 0 ? `: still shared with ${lingering.join(', ')}` : ''}`,
    });
  }
  return { imageId, accounts: accounts.filter((a) => after.includes(a)), removed: remove };
}
