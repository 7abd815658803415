/**
 * Image families: an image joins one with ModifyImageAttribute (CreateImage in packer 1.6.6 has no
 * family, and CopyImage has none: a copy does not inherit its source's), and DescribeImageFromFamily
 * answers with the family's newest Available image. Deprecating or deleting the last Available image
 * of a family leaves it with none to launch: sindri refuses that unless forced.
 */
import type { CloudClients } from '../cloud/index.ts';
import { type SdkImage, selfImages } from './images.ts';
import type { Limiter } from './limit.ts';

/** Puts an image in a family; nothing to do when it is there already. */
export async function setImageFamily(
  clients: CloudClients,
  region: string,
  image: { imageId: string; imageFamily?: string | undefined },
  family: string,
): Promise<boolean> {
  if (image.imageFamily === family) return false;
  await clients.call('ecs', 'ModifyImageAttribute', {
    regionId: region,
    imageId: image.imageId,
    imageFamily: family,
  });
  return true;
}

/** The account's Available images of a family in a region. */
export function availableInFamily(
  clients: CloudClients,
  region: string,
  family: string,
): Promise<SdkImage[]> {
  return selfImages(clients, region, { status: 'Available', imageFamily: family });
}

export interface FamilyGuardTarget {
  region: string;
  imageId: string;
  status?: string | undefined;
  family?: string | undefined;
}

/**
 * Why deprecating or deleting these images would leave a family without an Available image (one
 * sentence per family and region); empty when it would not. Images already deprecated do not count.
 */
export async function familyGuard(
  clientsFor: (region: string) => Promise<CloudClients>,
  targets: readonly FamilyGuardTarget[],
  limit: Limiter,
): Promise<string[]> {
  const groups = new Map<string, FamilyGuardTarget[]>();
  for (const t of targets) {
    if (!t.family || (t.status !== undefined && t.status !== 'Available')) continue;
    const key = `${t.region}\u0000${t.family}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const reasons = await Promise.all(
    [...groups.values()].map(async (group) => {
      const { region, family } = group[0] as FamilyGuardTarget & { family: string };
      const leaving = new Set(group.map((t) => t.imageId));
      const members = await limit(async () => availableInFamily(await clientsFor(region), region, family));
      if (members.some((m) => m.imageId && !leaving.has(m.imageId))) return undefined;
      const ids = group.map((t) => t.imageId).join(', ');
      return `${region}: ${ids} ${group.length === 1 ? 'is' : 'are'} the last Available image${group.length === 1 ? '' : 's'} of family ${family}; without ${group.length === 1 ? 'it' : 'them'} the family has none to launch`;
    }),
  );
  return reasons.filter((r): r is string => r !== undefined);
}
