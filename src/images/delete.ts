import type { CloudClients } from '../cloud/index.ts';
import { CloudError } from '../cloud/index.ts';
import type { SdkImage } from './images.ts';
import type { Limiter } from './limit.ts';
import { unshareAll } from './share.ts';

const GONE = /^Invalid(Image|Snapshot)Id\.Not/;

/** Whether DescribeImages said the image is not shared (an image known by its ID alone might be). */
function knownUnshared(image: SdkImage): boolean {
  return image.isSelfShared !== undefined && String(image.isSelfShared).toLowerCase() !== 'true';
}

/** A failed delete after the shares were removed says so: those accounts lost access all the same. */
function withUnshared(err: unknown, unshared: string[]): unknown {
  if (unshared.length === 0 || !(err instanceof CloudError)) return err;
  return err.withMessage(`${err.message} (the image was already unshared from ${unshared.join(', ')})`);
}

/**
 * Deletes an image, then its snapshots; what is already gone is fine. DeleteImage refuses a shared
 * image even with Force (Force only overrides instances using it), so the shares go first: returns
 * the accounts that lost access.
 */
export async function deleteWithSnapshots(
  clients: CloudClients,
  region: string,
  image: SdkImage,
  force: boolean,
  limit: Limiter,
  /** Told the accounts as soon as they lost access, before the delete (which may still fail). */
  onUnshared?: (accounts: string[]) => void,
): Promise<{ unshared: string[] }> {
  const imageId = image.imageId as string;
  let unshared: string[] = [];
  try {
    if (!knownUnshared(image))
      unshared = await unshareAll(clients, region, imageId, limit).catch((err: unknown) => {
        if (err instanceof CloudError && GONE.test(err.code)) return [];
        throw err;
      });
    if (unshared.length > 0) onUnshared?.(unshared);
    await ignoreGone(() =>
      limit(() =>
        clients.call('ecs', 'DeleteImage', { regionId: region, imageId, ...(force ? { force: true } : {}) }),
      ),
    );
    for (const m of image.diskDeviceMappings?.diskDeviceMapping ?? []) {
      const snapshotId = m.snapshotId;
      if (snapshotId)
        await ignoreGone(() => limit(() => clients.call('ecs', 'DeleteSnapshot', { snapshotId })));
    }
  } catch (err) {
    throw withUnshared(err, unshared);
  }
  return { unshared };
}

async function ignoreGone(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (!(err instanceof CloudError && GONE.test(err.code))) throw err;
  }
}
