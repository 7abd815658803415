/**
 * Where a build instance can start: for each candidate instance type, in the configuration's order,
 * the zones that have it in stock together with the system disk category (DescribeAvailableResource),
 * and, in a configured VPC without a VSwitch, an existing VSwitch of the zone. A launch that still
 * fails for want of stock moves on to the next candidate (the packer-build step).
 */
import type { CloudClients } from '../cloud/index.ts';

/** Stock of a type in a zone: DescribeAvailableResource `StatusCategory` (and `Status`). */
export type Stock = 'WithStock' | 'ClosedWithStock' | 'WithoutStock' | 'ClosedWithoutStock' | 'SoldOut';

export interface Candidate {
  instanceType: string;
  zoneId: string;
  /** A VSwitch of the configured VPC in that zone, when there is one. */
  vswitchId?: string;
  /** `ClosedWithStock`: little left. */
  stock: 'WithStock' | 'ClosedWithStock';
}

export interface PlacementInput {
  region: string;
  instanceTypes: readonly string[];
  systemDiskCategory: string;
  /** zone_id, or the zone of the configured VSwitch: the only zone allowed. */
  zoneId?: string | undefined;
  /** A configured VPC without a VSwitch: a candidate's zone must have one of its VSwitches (when it has any). */
  vpcId?: string | undefined;
  /** Zones tried per instance type (later zones are kept for a launch that fails). */
  zonesPerType?: number;
}

export interface Placement {
  candidates: Candidate[];
  /** Why each type has no candidate: `ecs.g6.large: sold out in every zone`. */
  rejected: string[];
}

/** Launch errors that mean "not here, try elsewhere": no stock, or the type not sold in the zone. */
export const CAPACITY_CODES = [
  'OperationDenied.NoStock',
  'Zone.NotOnSale',
  'InvalidInstanceType.ZoneNotSupported',
  'InvalidInstanceType.NotAvailable',
  'InvalidResourceType.NotSupported',
  'InvalidZoneId.NotSupportShareEncryptedImage',
  'ResourceNotAvailable',
] as const;

/** The capacity code a text (packer's error output) names, if any. */
export function capacityCode(text: string): string | undefined {
  for (const code of CAPACITY_CODES) if (text.includes(code)) return code;
  return undefined;
}

interface Offer {
  value?: string;
  status?: string;
  statusCategory?: string;
}

interface AvailableZone {
  zoneId?: string;
  status?: string;
  statusCategory?: string;
  availableResources?: {
    availableResource?: Array<{ type?: string; supportedResources?: { supportedResource?: Offer[] } }>;
  };
}

function offers(zone: AvailableZone, type: string): Offer[] {
  return (zone.availableResources?.availableResource ?? [])
    .filter((r) => r.type === type)
    .flatMap((r) => r.supportedResources?.supportedResource ?? []);
}

/** The stock of an offer: its category, SoldOut when its status says so. */
export function stockOf(offer: Offer | undefined, zone: AvailableZone): Stock | undefined {
  if (!offer) return undefined;
  if (offer.status === 'SoldOut' || zone.status === 'SoldOut') return 'SoldOut';
  const category = offer.statusCategory ?? zone.statusCategory ?? 'WithStock';
  return (
    (['WithStock', 'ClosedWithStock', 'WithoutStock', 'ClosedWithoutStock'] as const).find(
      (c) => c === category,
    ) ?? 'WithStock'
  );
}

/**
 * Ranks the zones of one type from two DescribeAvailableResource answers (InstanceType and
 * SystemDisk for that type): zones with stock first, those short of it after, in the API's order.
 */
export function rankZones(
  type: string,
  diskCategory: string,
  typeZones: readonly AvailableZone[],
  diskZones: readonly AvailableZone[],
): Array<{ zoneId: string; stock: Stock }> {
  const disk = new Map(
    diskZones.map((z) => [
      z.zoneId ?? '',
      stockOf(
        offers(z, 'SystemDisk').find((o) => o.value === diskCategory),
        z,
      ),
    ]),
  );
  const order = (s: Stock) => (s === 'WithStock' ? 0 : s === 'ClosedWithStock' ? 1 : 2);
  return typeZones
    .filter((z) => z.zoneId)
    .map((z) => {
      const stock =
        stockOf(
          offers(z, 'InstanceType').find((o) => o.value === type),
          z,
        ) ?? 'SoldOut';
      // The type is only as available as the system disk it needs.
      const diskStock = disk.get(z.zoneId as string);
      const diskOk = diskStock === 'WithStock' || diskStock === 'ClosedWithStock';
      return { zoneId: z.zoneId as string, stock: diskOk ? stock : ('SoldOut' as Stock) };
    })
    .sort((a, b) => order(a.stock) - order(b.stock));
}

/** The VSwitches of a VPC by zone (the first Available one of each). */
async function vswitchesByZone(
  clients: CloudClients,
  region: string,
  vpcId: string,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let page = 1; page <= 20; page++) {
    const body = await clients.call('ecs', 'DescribeVSwitches', {
      regionId: region,
      vpcId,
      pageNumber: page,
      pageSize: 50,
    } as never);
    const list =
      (body as { vSwitches?: { vSwitch?: Array<{ vSwitchId?: string; zoneId?: string; status?: string }> } })
        .vSwitches?.vSwitch ?? [];
    for (const v of list)
      if (v.zoneId && v.vSwitchId && (v.status ?? 'Available') === 'Available' && !out.has(v.zoneId))
        out.set(v.zoneId, v.vSwitchId);
    if (list.length < 50) break;
  }
  return out;
}

/** Every candidate of a build, best first. */
export async function findPlacements(clients: CloudClients, input: PlacementInput): Promise<Placement> {
  const perType = input.zonesPerType ?? 3;
  const vswitches = input.vpcId ? await vswitchesByZone(clients, input.region, input.vpcId) : undefined;
  const candidates: Candidate[] = [];
  const rejected: string[] = [];
  for (const type of input.instanceTypes) {
    const ask = (destinationResource: string) =>
      clients.call('ecs', 'DescribeAvailableResource', {
        regionId: input.region,
        destinationResource,
        instanceType: type,
        instanceChargeType: 'PostPaid',
        ioOptimized: 'optimized',
        ...(input.zoneId ? { zoneId: input.zoneId } : {}),
        ...(destinationResource === 'SystemDisk' ? { systemDiskCategory: input.systemDiskCategory } : {}),
      });
    const [types, disks] = await Promise.all([ask('InstanceType'), ask('SystemDisk')]);
    const zones = rankZones(
      type,
      input.systemDiskCategory,
      types.availableZones?.availableZone ?? [],
      disks.availableZones?.availableZone ?? [],
    ).filter((z) => input.zoneId === undefined || z.zoneId === input.zoneId);
    const withStock = zones.filter((z) => z.stock === 'WithStock' || z.stock === 'ClosedWithStock');
    // A VPC with VSwitches: only their zones (packer would make a VSwitch otherwise, in a CIDR of its own choosing).
    const reachable =
      vswitches && vswitches.size > 0 ? withStock.filter((z) => vswitches.has(z.zoneId)) : withStock;
    if (reachable.length === 0) {
      rejected.push(
        zones.length === 0
          ? `${type}: not sold in ${input.zoneId ?? input.region} with a ${input.systemDiskCategory} system disk`
          : withStock.length === 0
            ? `${type}: no stock in ${zones.map((z) => z.zoneId).join(', ')}`
            : `${type}: in stock only in ${withStock.map((z) => z.zoneId).join(', ')}, where VPC ${input.vpcId} has no VSwitch`,
      );
      continue;
    }
    for (const z of reachable.slice(0, perType)) {
      const vswitchId = vswitches?.get(z.zoneId);
      candidates.push({
        instanceType: type,
        zoneId: z.zoneId,
        stock: z.stock as Candidate['stock'],
        ...(vswitchId ? { vswitchId } : {}),
      });
    }
  }
  return { candidates, rejected };
}
