/**
 * `sindri packer lineage`: an image, the image it was built from, and so on, from each image's
 * `sindri:base` tag; an ancestor that no longer exists is shown as its child recorded it.
 */
import { SindriError } from '../errors.ts';
import { type BaseImage, describeAnyImage, parseBase } from '../images/ancestry.ts';
import { currentChannels, revocationOf } from '../images/channels.ts';
import type { SdkImage } from '../images/images.ts';
import { BASE_REVOKED_TAG, BUILD_ID_TAG, tagRecord } from '../images/tags.ts';
import { openScope, type Scope, type ScopeOptions } from './scope.ts';

export interface LineageOptions extends ScopeOptions {
  imageId: string;
}

export interface LineageLink {
  imageId: string;
  /** False for an ancestor that no longer exists: what its child recorded is all there is. */
  exists: boolean;
  region?: string | undefined;
  name?: string | undefined;
  owner?: string | undefined;
  status?: string | undefined;
  created?: string | undefined;
  family?: string | undefined;
  /** sindri's build of it. */
  buildId?: string | undefined;
  channels?: string[];
  revoked?: { at: string; reason: string };
  /** It was built on a revoked image (the revoked build). */
  baseRevoked?: string;
}

export interface LineageResult {
  /** The image first, then each image it was built from. */
  chain: LineageLink[];
  /** The first revoked ancestor, when there is one. */
  revokedAncestor?: string;
}

const MAX_DEPTH = 32;

/** The image in `prefer` (an image's base is usually in its own region), else in any region of the scope. */
async function find(
  scope: Scope,
  imageId: string,
  prefer?: string,
): Promise<{ region: string; image: SdkImage } | undefined> {
  const look = (region: string) =>
    scope.limit(async () => describeAnyImage(await scope.ws.clients(region), region, imageId));
  if (prefer) {
    const image = await look(prefer);
    if (image) return { region: prefer, image };
  }
  const hits = await Promise.all(
    scope.regions
      .filter((r) => r !== prefer)
      .map(async (region) => {
        const image = await look(region);
        return image ? { region, image } : undefined;
      }),
  );
  return hits.find((h) => h !== undefined);
}

function link(region: string, image: SdkImage): LineageLink {
  const tags = tagRecord(image.tags);
  const revoked = revocationOf(tags);
  const channels = currentChannels(tags);
  return {
    imageId: image.imageId as string,
    exists: true,
    region,
    name: image.imageName,
    owner: image.imageOwnerAlias,
    status: image.status,
    created: image.creationTime,
    family: image.imageFamily || undefined,
    buildId: tags[BUILD_ID_TAG],
    ...(channels.length > 0 ? { channels } : {}),
    ...(revoked ? { revoked } : {}),
    ...(tags[BASE_REVOKED_TAG] ? { baseRevoked: tags[BASE_REVOKED_TAG].split(' ')[0] as string } : {}),
  };
}

function recorded(base: BaseImage): LineageLink {
  return {
    imageId: base.imageId,
    exists: false,
    created: base.created,
    family: base.family,
    buildId: base.parentBuild,
  };
}

export async function lineage(scope: Scope, imageId: string): Promise<LineageResult> {
  const first = await find(scope, imageId);
  if (!first)
    throw new SindriError(`No image ${imageId} in ${scope.regions.length} region(s).`, {
      code: 'ImageNotFound',
      actions: ['check the ID with `sindri packer list --all-regions`'],
    });
  const chain: LineageLink[] = [link(first.region, first.image)];
  let current: SdkImage | undefined = first.image;
  let region = first.region;
  while (current && chain.length < MAX_DEPTH) {
    const base = parseBase(tagRecord(current.tags));
    if (!base || chain.some((l) => l.imageId === base.imageId)) break;
    const next = await find(scope, base.imageId, region);
    if (!next) {
      chain.push(recorded(base));
      break;
    }
    const found = link(next.region, next.image);
    chain.push(found.family ? found : { ...found, family: base.family });
    current = next.image;
    region = next.region;
  }
  const revokedAncestor = chain.slice(1).find((l) => l.revoked)?.imageId;
  return { chain, ...(revokedAncestor ? { revokedAncestor } : {}) };
}

export async function runLineage(opts: LineageOptions): Promise<LineageResult> {
  return lineage(await openScope(opts), opts.imageId);
}
