/**
 * What `sindri packer delete` would do, found without changing anything: the images (and with
 * --all-regions the copies sharing their build ID), the instances using them, the accounts they are
 * shared with, and what must stop the delete unless --force.
 */
import type { CloudClients } from '../cloud/index.ts';
import type { Workspace } from '../config/workspace.ts';
import { SindriError } from '../errors.ts';
import { familyGuard } from '../images/families.ts';
import {
  describeRegionImages,
  findSelfImage,
  isManagedBySindri,
  type SdkImage,
  shareAccounts,
  toImageRow,
} from '../images/images.ts';
import { describeAllInstances } from '../images/instances.ts';
import { createLimiter, type Limiter, mapLimited } from '../images/limit.ts';
import { BUILD_ID_TAG, MANAGED_BY_KEY, MANAGED_BY_VALUE } from '../images/tags.ts';
import { byCodeUnits } from '../util/order.ts';
import type { DeleteJournal, JournalEntry } from './journal.ts';

export interface DeleteTarget {
  imageId: string;
  region: string;
  name: string;
  status: string;
  isCopy: boolean;
  managed: boolean;
  buildId: string | undefined;
  snapshotIds: string[];
  /** Accounts the image is shared with: they lose access when it is deleted (unshared first). */
  sharedAccounts: string[];
  /** Instances in the image's region started from it. */
  usedBy: string[];
  /** Found as a copy of a requested image (--all-regions), not named on the command line. */
  viaBuildId: boolean;
  /** The image family it belongs to. */
  family?: string | undefined;
}

export interface DeletePlan {
  targets: DeleteTarget[];
  /** Requested IDs that no longer exist but that sindri deleted before. */
  alreadyDeleted: JournalEntry[];
  /** Reasons the plan cannot run without --force. */
  blockers: string[];
}

export interface PlanDeleteOptions {
  imageIds: string[];
  allRegions?: boolean | undefined;
}

function findImage(
  clients: CloudClients,
  region: string,
  imageId: string,
  limit: Limiter,
): Promise<SdkImage | undefined> {
  return limit(() => findSelfImage(clients, region, imageId));
}

async function instancesUsing(clients: CloudClients, region: string, imageId: string, limit: Limiter) {
  const instances = await describeAllInstances(clients, region, { imageId }, { limit });
  return instances
    .filter((i) => i.instanceId && (i.imageId === undefined || i.imageId === imageId))
    .map((i) => i.instanceId as string);
}

async function toTarget(
  ctx: Workspace,
  region: string,
  image: SdkImage,
  viaBuildId: boolean,
  limit: Limiter,
): Promise<DeleteTarget> {
  const clients = await ctx.clients(region);
  const row = toImageRow(region, image);
  const shared =
    String(image.isSelfShared ?? '').toLowerCase() === 'true'
      ? await shareAccounts(clients, region, row.imageId, limit)
      : [];
  return {
    imageId: row.imageId,
    region,
    name: row.name,
    status: row.status,
    isCopy: row.isCopy,
    managed: isManagedBySindri(row.tags),
    buildId: row.buildId,
    snapshotIds: row.snapshotIds,
    sharedAccounts: shared,
    usedBy: await instancesUsing(clients, region, row.imageId, limit),
    viaBuildId,
    ...(row.family ? { family: row.family } : {}),
  };
}

/** Everything that would be deleted, found without changing anything. */
export async function planDelete(
  ctx: Workspace,
  opts: PlanDeleteOptions,
  journal: DeleteJournal,
  limit: Limiter,
): Promise<DeletePlan> {
  const home = ctx.region;
  const regions = opts.allRegions ? await ctx.allRegions() : [home];
  const found = new Map<string, { region: string; image: SdkImage; viaBuildId: boolean }>();
  const alreadyDeleted: JournalEntry[] = [];
  const unknown: string[] = [];
  const ids = [...new Set(opts.imageIds)];

  await mapLimited(ids, createLimiter(4), async (imageId) => {
    // The home region first; with --all-regions, then every other region.
    const order = [home, ...regions.filter((r) => r !== home)];
    let hit: { region: string; image: SdkImage } | undefined;
    const homeImage = await findImage(await ctx.clients(home), home, imageId, limit);
    if (homeImage) hit = { region: home, image: homeImage };
    else if (opts.allRegions) {
      const others = await Promise.all(
        order
          .slice(1)
          .map(async (r) => ({ region: r, image: await findImage(await ctx.clients(r), r, imageId, limit) })),
      );
      const h = others.find((o) => o.image);
      if (h?.image) hit = { region: h.region, image: h.image };
    }
    if (hit) {
      found.set(`${hit.region}|${imageId}`, { ...hit, viaBuildId: false });
      return;
    }
    const past = journal.find(imageId);
    if (past?.deletedAt) alreadyDeleted.push(past);
    else unknown.push(imageId);
  });

  if (unknown.length > 0) {
    const where = opts.allRegions ? 'in any region' : `in ${home}`;
    throw new SindriError(`No image ${unknown.join(', ')} ${where} owned by this account.`, {
      code: 'ImageNotFound',
      actions: [
        opts.allRegions
          ? 'check the ID with `sindri packer list --all-regions`'
          : 'check the ID and region with `sindri packer list --all-regions`, or pass --region / --all-regions',
      ],
    });
  }

  if (opts.allRegions) {
    // Copies share the build ID of the image they were copied from.
    const buildIds = new Set(
      [...found.values()]
        .map((f) => f.image.tags?.tag?.find((t) => t.tagKey === BUILD_ID_TAG)?.tagValue)
        .filter((b): b is string => !!b),
    );
    for (const buildId of buildIds) {
      const perRegion = await Promise.all(
        regions.map(async (r) => ({
          region: r,
          images: await describeRegionImages(await ctx.clients(r), r, limit, {
            tags: { [BUILD_ID_TAG]: buildId },
          }),
        })),
      );
      for (const { region, images } of perRegion) {
        for (const image of images) {
          const key = `${region}|${image.imageId}`;
          if (!found.has(key)) found.set(key, { region, image, viaBuildId: true });
        }
      }
    }
  }

  const targets = await Promise.all(
    [...found.values()].map((f) => toTarget(ctx, f.region, f.image, f.viaBuildId, limit)),
  );
  targets.sort((a, b) => byCodeUnits(a.region, b.region) || byCodeUnits(a.imageId, b.imageId));

  const blockers: string[] = [];
  for (const t of targets) {
    if (t.usedBy.length > 0)
      blockers.push(`${t.imageId} (${t.region}) is used by instance(s) ${t.usedBy.join(', ')}`);
    if (!t.managed)
      blockers.push(
        `${t.imageId} (${t.region}) was not built by sindri (no ${MANAGED_BY_KEY}=${MANAGED_BY_VALUE} tag)`,
      );
  }
  // A family is never left without an Available image to launch, unless forced.
  blockers.push(...(await familyGuard((r) => ctx.clients(r), targets, limit)));
  return { targets, alreadyDeleted, blockers };
}

/** The question asked before deleting, with what will go and who loses access. */
export function describePlan(plan: DeletePlan, keepSnapshots: boolean): string {
  const lines = plan.targets.flatMap((t) => {
    const snaps = keepSnapshots ? 'snapshots kept' : `${t.snapshotIds.length} snapshot(s)`;
    const copy = t.viaBuildId ? ', copy' : '';
    const line = `  ${t.imageId}  ${t.name}  ${t.region}  ${t.status}${copy}  (${snaps})`;
    return t.sharedAccounts.length > 0
      ? [line, `    shared with ${t.sharedAccounts.join(', ')}: unshared first, they lose access`]
      : [line];
  });
  const snapshots = keepSnapshots ? 0 : plan.targets.reduce((n, t) => n + t.snapshotIds.length, 0);
  const accounts = new Set(plan.targets.flatMap((t) => t.sharedAccounts));
  const unshare = accounts.size > 0 ? `, unsharing them from ${accounts.size} account(s)` : '';
  return `${lines.join('\n')}\nDelete ${plan.targets.length} image(s)${snapshots ? ` and ${snapshots} snapshot(s)` : ''}${unshare}?`;
}
