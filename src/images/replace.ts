/**
 * `--force` for build and capture: the earlier image of the same name goes, with its snapshots, and
 * so do the copies sindri made of it in the copy regions (they hold the name there). sindri deletes
 * them itself: packer's own -force cannot delete an image that is shared, and neither can DeleteImage
 * with Force, so every share is removed first and the accounts that lost access are reported.
 */
import type { CloudClients } from '../cloud/index.ts';
import { deleteWithSnapshots } from './delete.ts';
import { imagesNamed, isManagedBySindri } from './images.ts';
import { createLimiter } from './limit.ts';
import { tagRecord } from './tags.ts';

export interface ReplacedImage {
  region: string;
  imageId: string;
  /** Accounts the image was shared with: they lost access to it. */
  unshared: string[];
}

/** Deletes the images named `name` (and sindri's copies of them); returns what went. */
export async function deleteImagesNamed(opts: {
  clientsFor: (region: string) => Promise<CloudClients>;
  region: string;
  name: string;
  copyRegions: string[];
  say: (line: string) => void;
}): Promise<ReplacedImage[]> {
  const limit = createLimiter(4);
  const deleted: ReplacedImage[] = [];
  const lostAccess = (unshared: string[]) =>
    unshared.length > 0 ? `; it is no longer shared with ${unshared.join(', ')}` : '';
  const home = await opts.clientsFor(opts.region);
  for (const image of await imagesNamed(home, opts.region, opts.name)) {
    const { unshared } = await deleteWithSnapshots(home, opts.region, image, true, limit);
    deleted.push({ region: opts.region, imageId: image.imageId as string, unshared });
    opts.say(`--force: deleted the earlier image ${image.imageId} named ${opts.name}${lostAccess(unshared)}`);
  }
  if (deleted.length === 0) return deleted;
  for (const region of opts.copyRegions) {
    if (region === opts.region) continue;
    const clients = await opts.clientsFor(region);
    for (const image of await imagesNamed(clients, region, opts.name)) {
      if (!isManagedBySindri(tagRecord(image.tags))) continue;
      const { unshared } = await deleteWithSnapshots(clients, region, image, true, limit);
      deleted.push({ region, imageId: image.imageId as string, unshared });
      opts.say(`--force: deleted the earlier copy ${image.imageId} in ${region}${lostAccess(unshared)}`);
    }
  }
  return deleted;
}
