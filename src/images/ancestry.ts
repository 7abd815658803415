/**
 * Ancestry: what an image was built from, recorded on it at build time (`sindri:base`,
 * `sindri:base-family`), so that lineage, revocation and freshness work from the images alone.
 */
import type { CloudClients } from '../cloud/index.ts';
import { ALL_IMAGE_STATUSES, isManagedBySindri, type SdkImage } from './images.ts';
import { BASE_FAMILY_TAG, BASE_TAG, BUILD_ID_TAG, MAX_TAG_VALUE, tagRecord } from './tags.ts';

export interface BaseImage {
  imageId: string;
  /** ISO 8601, as the API reports it. */
  created?: string | undefined;
  family?: string | undefined;
  /** The build that made the base, when the base is one of sindri's images. */
  parentBuild?: string | undefined;
  name?: string | undefined;
  /** system, self, others or marketplace. */
  ownerAlias?: string | undefined;
}

/** The ancestry tags of an image built from `base`. */
export function baseTags(base: BaseImage): Record<string, string> {
  const parts = [base.imageId, base.created ?? '-', ...(base.parentBuild ? [base.parentBuild] : [])];
  // An ID long enough to crowd the value out loses the creation time first (the API still has it).
  let value = parts.join(' ');
  if (value.length > MAX_TAG_VALUE) value = [base.imageId, '-', ...parts.slice(2)].join(' ');
  return {
    [BASE_TAG]: value.slice(0, MAX_TAG_VALUE),
    ...(base.family ? { [BASE_FAMILY_TAG]: base.family } : {}),
  };
}

/** The base an image's tags record; undefined when they record none. */
export function parseBase(tags: Readonly<Record<string, string>>): BaseImage | undefined {
  const value = tags[BASE_TAG];
  if (!value) return undefined;
  const [imageId, created, parentBuild] = value.split(' ');
  if (!imageId) return undefined;
  return {
    imageId,
    ...(created && created !== '-' ? { created } : {}),
    ...(parentBuild ? { parentBuild } : {}),
    ...(tags[BASE_FAMILY_TAG] ? { family: tags[BASE_FAMILY_TAG] } : {}),
  };
}

export function baseFromImage(image: SdkImage): BaseImage {
  const tags = tagRecord(image.tags);
  return {
    imageId: image.imageId as string,
    created: image.creationTime || undefined,
    family: image.imageFamily || undefined,
    name: image.imageName,
    ownerAlias: image.imageOwnerAlias,
    ...(isManagedBySindri(tags) && tags[BUILD_ID_TAG] ? { parentBuild: tags[BUILD_ID_TAG] } : {}),
  };
}

/**
 * Any image the account can see by its ID (its own, shared, public, then marketplace, as packer
 * looks a source image up), in any status; undefined when there is none in the region.
 */
export async function describeAnyImage(
  clients: CloudClients,
  region: string,
  imageId: string,
): Promise<SdkImage | undefined> {
  for (const alias of [undefined, 'marketplace'] as const) {
    const body = await clients.call('ecs', 'DescribeImages', {
      regionId: region,
      imageId,
      status: ALL_IMAGE_STATUSES,
      ...(alias ? { imageOwnerAlias: alias } : {}),
    });
    const found = (body.images?.image ?? []).find((i) => i.imageId === imageId) as SdkImage | undefined;
    if (found) return found;
  }
  return undefined;
}

/** The newest Available image of a family (DescribeImageFromFamily), or undefined when it has none. */
export async function newestOfFamily(
  clients: CloudClients,
  region: string,
  family: string,
): Promise<SdkImage | undefined> {
  const body = await clients.call('ecs', 'DescribeImageFromFamily', {
    regionId: region,
    imageFamily: family,
  });
  // An empty answer (no Available image in the family) is an `Image` without an ID.
  const image = body.image as SdkImage | undefined;
  return image?.imageId ? image : undefined;
}

/** The image a build of this source starts from, looked up as packer looks it up. */
export async function lookUpBase(
  clients: CloudClients,
  region: string,
  source: { sourceImage?: string | undefined; family?: string | undefined },
): Promise<BaseImage | undefined> {
  const image = source.sourceImage
    ? await describeAnyImage(clients, region, source.sourceImage)
    : source.family
      ? await newestOfFamily(clients, region, source.family)
      : undefined;
  return image?.imageId ? baseFromImage(image) : undefined;
}
