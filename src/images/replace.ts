/**
 * `--force` for build and capture: the earlier image of the same name goes, with its snapshots, and
 * so do the copies sindri made of it in the copy regions (they hold the name there). sindri deletes
 * them itself, with Force, because packer's own -force cannot delete an image that is shared.
 */
import type { CloudClients } from '../cloud/index.ts';
import { deleteWithSnapshots } from './delete.ts';
import { isManagedBySindri, type SdkImage, selfImages } from './images.ts';
import { createLimiter } from './limit.ts';
import { tagRecord } from './tags.ts';

async function imagesNamed(clients: CloudClients, region: string, name: string): Promise<SdkImage[]> {
  return (await selfImages(clients, region, { imageName: name })).filter(
    (i) => i.imageName === name && i.imageId,
  );
}

/** Deletes the images named `name`; returns their IDs. */
export async function deleteImagesNamed(opts: {
  clientsFor: (region: string) => Promise<CloudClients>;
  region: string;
  name: string;
  copyRegions: string[];
  say: (line: string) => void;
}): Promise<string[]> {
  const limit = createLimiter(4);
  const deleted: string[] = [];
  const home = await opts.clientsFor(opts.region);
  for (const image of await imagesNamed(home, opts.region, opts.name)) {
    await deleteWithSnapshots(home, opts.region, image, true, limit);
    deleted.push(image.imageId as string);
    opts.say(`--force: deleted the earlier image ${image.imageId} named ${opts.name}`);
  }
  if (deleted.length === 0) return deleted;
  for (const region of opts.copyRegions) {
    if (region === opts.region) continue;
    const clients = await opts.clientsFor(region);
    for (const image of await imagesNamed(clients, region, opts.name)) {
      if (!isManagedBySindri(tagRecord(image.tags))) continue;
      await deleteWithSnapshots(clients, region, image, true, limit);
      deleted.push(image.imageId as string);
      opts.say(`--force: deleted the earlier copy ${image.imageId} in ${region}`);
    }
  }
  return deleted;
}
