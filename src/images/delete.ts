import type { CloudClients } from '../cloud/index.ts';
import { CloudError } from '../cloud/index.ts';
import type { SdkImage } from './images.ts';
import type { Limiter } from './limit.ts';

const GONE = /^Invalid(Image|Snapshot)Id\.Not/;

/** Deletes an image, then its snapshots; what is already gone is fine. */
export async function deleteWithSnapshots(
  clients: CloudClients,
  region: string,
  image: SdkImage,
  force: boolean,
  limit: Limiter,
): Promise<void> {
  const imageId = image.imageId as string;
  try {
    await limit(() =>
      clients.call('ecs', 'DeleteImage', { regionId: region, imageId, ...(force ? { force: true } : {}) }),
    );
  } catch (err) {
    if (!(err instanceof CloudError && GONE.test(err.code))) throw err;
  }
  for (const m of image.diskDeviceMappings?.diskDeviceMapping ?? []) {
    if (!m.snapshotId) continue;
    const snapshotId = m.snapshotId;
    try {
      await limit(() => clients.call('ecs', 'DeleteSnapshot', { snapshotId }));
    } catch (err) {
      if (!(err instanceof CloudError && GONE.test(err.code))) throw err;
    }
  }
}
