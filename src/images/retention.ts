/**
 * Retention: after a build is distributed, older images of the same image name are marked
 * Deprecated beyond `keep`, and those past `delete_after_days` are deleted. Only images sindri made
 * (`ManagedBy=sindri`) are touched, and never one that instances use unless forced. A shared image
 * can be neither deprecated nor deleted, so its shares are removed first, and the accounts that
 * lost access are reported. What fails is reported and skipped: retention never fails a build.
 */
import type { CloudClients } from '../cloud/index.ts';
import { CloudError } from '../cloud/index.ts';
import { deleteWithSnapshots } from './delete.ts';
import { availableInFamily } from './families.ts';
import {
  compareNewestFirst,
  describeRegionImages,
  type ImageRow,
  isManagedBySindri,
  type SdkImage,
  shareAccounts,
  toImageRow,
} from './images.ts';
import type { Limiter } from './limit.ts';
import { unshareAll } from './share.ts';

export interface RetentionPolicy {
  /** Images of the name to keep, the new one included; older ones are deprecated. */
  keep?: number | undefined;
  /** Images beyond `keep` (every older one when `keep` is unset) older than this are deleted. */
  deleteAfterDays?: number | undefined;
}

export type RetentionVerb = 'deprecate' | 'delete' | 'keep' | 'skip';

export interface RetentionAction {
  region: string;
  imageId: string;
  name: string;
  created: string;
  action: RetentionVerb;
  /** Why an image is skipped or kept. */
  reason?: string;
  /** Accounts the image is shared with, to be unshared before it is deprecated or deleted. */
  sharedWith?: string[];
  /** Accounts it was unshared from: they lost access. */
  unshared?: string[];
  /** Set once the action was carried out. */
  done?: boolean;
  error?: string;
}

export interface RetentionOutcome {
  actions: RetentionAction[];
  error?: string;
}

/** The part of an image name before a trailing version or date: `web-20260105` → `web`, `web-v2` → `web`. */
export function nameStem(name: string): string {
  return name.replace(/[-_.]v?\d[\d._-]*$/i, '');
}

/** Whether `name` is `imageName` itself or the same name with another version or date suffix. */
export function sameImageName(name: string, imageName: string): boolean {
  return name === imageName || nameStem(name) === nameStem(imageName);
}

export interface RetentionCandidate {
  row: ImageRow;
  inUse: boolean;
}

export interface PlanOptions {
  imageName: string;
  buildId: string;
  /** The images of this build (never touched). */
  exclude: ReadonlySet<string>;
  policy: RetentionPolicy;
  /** Include images that instances use. */
  force: boolean;
  now: number;
}

/**
 * Decides per image; pure. Per region: the images of the same name, newest first; the new image
 * counts as one of `keep`.
 */
export function planRetention(
  region: string,
  images: RetentionCandidate[],
  opts: PlanOptions,
): RetentionAction[] {
  const mine = images
    .filter(({ row }) => isManagedBySindri(row.tags) && sameImageName(row.name, opts.imageName))
    .filter(({ row }) => !opts.exclude.has(row.imageId) && row.buildId !== opts.buildId)
    .filter(({ row }) => row.status === 'Available' || row.status === 'Deprecated')
    .sort((a, b) => compareNewestFirst(a.row, b.row));
  const keepOlder = opts.policy.keep === undefined ? 0 : Math.max(0, opts.policy.keep - 1);
  const maxAgeMs =
    opts.policy.deleteAfterDays === undefined ? undefined : opts.policy.deleteAfterDays * 86_400_000;
  return mine.map(({ row, inUse }, index): RetentionAction => {
    const base = { region, imageId: row.imageId, name: row.name, created: row.created };
    if (index < keepOlder)
      return { ...base, action: 'keep', reason: `one of the ${opts.policy.keep} newest` };
    const created = Date.parse(row.created);
    const expired = maxAgeMs !== undefined && !Number.isNaN(created) && opts.now - created > maxAgeMs;
    let wanted: RetentionAction;
    if (expired)
      wanted = { ...base, action: 'delete', reason: `older than ${opts.policy.deleteAfterDays} day(s)` };
    else if (opts.policy.keep === undefined)
      return { ...base, action: 'keep', reason: 'within the age limit' };
    else if (row.status === 'Deprecated') return { ...base, action: 'keep', reason: 'already deprecated' };
    else wanted = { ...base, action: 'deprecate', reason: `beyond the ${opts.policy.keep} newest` };
    if (inUse && !opts.force)
      return {
        ...base,
        action: 'skip',
        reason: `used by instances; not ${wanted.action}d (--force to include)`,
      };
    if (row.sharedAccounts.length === 0) return wanted;
    return {
      ...wanted,
      reason: `${wanted.reason}; shared with ${row.sharedAccounts.length} account(s), unshared first`,
      sharedWith: [...row.sharedAccounts],
    };
  });
}

export interface ApplyRetentionOptions extends PlanOptions {
  clientsFor: (region: string) => Promise<CloudClients>;
  regions: string[];
  limit: Limiter;
  onProgress?: (text: string) => void;
}

async function carryOut(
  clients: CloudClients,
  region: string,
  image: SdkImage,
  action: RetentionAction,
  opts: ApplyRetentionOptions,
): Promise<void> {
  const say = opts.onProgress ?? (() => {});
  const what = `${action.imageId} (${action.name})`;
  const lostAccess = (accounts: string[]) => {
    if (accounts.length === 0) return;
    action.unshared = accounts;
    say(`${region}: ${what} is no longer shared with ${accounts.join(', ')}`);
  };
  if (action.action === 'deprecate') {
    if (action.sharedWith) lostAccess(await unshareAll(clients, region, action.imageId, opts.limit));
    await opts.limit(() =>
      clients.call('ecs', 'ModifyImageAttribute', {
        regionId: region,
        imageId: action.imageId,
        status: 'Deprecated',
      }),
    );
    action.done = true;
    say(`${region}: deprecated ${what}: ${action.reason}`);
  } else if (action.action === 'delete') {
    await deleteWithSnapshots(clients, region, image, opts.force, opts.limit, lostAccess);
    action.done = true;
    say(`${region}: deleted ${what}: ${action.reason}`);
  } else if (action.action === 'skip') {
    say(`${region}: left ${what} alone: ${action.reason}`);
  }
}

/**
 * Retention never leaves a family without an Available image (unless forced): where it would retire
 * the last ones, the newest of them is kept.
 */
async function keepFamiliesAlive(
  clients: CloudClients,
  region: string,
  actions: RetentionAction[],
  images: readonly SdkImage[],
  limit: Limiter,
): Promise<void> {
  const byFamily = new Map<string, RetentionAction[]>();
  for (const a of actions) {
    const image = images.find((i) => i.imageId === a.imageId);
    if ((a.action !== 'deprecate' && a.action !== 'delete') || image?.status !== 'Available') continue;
    if (image.imageFamily) byFamily.set(image.imageFamily, [...(byFamily.get(image.imageFamily) ?? []), a]);
  }
  for (const [family, leaving] of byFamily) {
    const ids = new Set(leaving.map((a) => a.imageId));
    const members = await limit(() => availableInFamily(clients, region, family));
    if (members.some((m) => m.imageId && !ids.has(m.imageId))) continue;
    const newest = [...leaving].sort(
      (a, b) => Date.parse(b.created) - Date.parse(a.created),
    )[0] as RetentionAction;
    newest.reason = `the last Available image of family ${family}; not ${newest.action}d (--force to include)`;
    newest.action = 'skip';
    delete newest.sharedWith;
  }
}

/** Plans and carries out retention in every region the new image lives in. */
export async function applyRetention(opts: ApplyRetentionOptions): Promise<RetentionOutcome> {
  const say = opts.onProgress ?? (() => {});
  const perRegion = await Promise.all(
    opts.regions.map(async (region) => {
      const clients = await opts.clientsFor(region);
      const images = (await describeRegionImages(clients, region, opts.limit)) as Array<
        SdkImage & { usage?: string }
      >;
      const candidates = await Promise.all(
        images.map(async (img): Promise<RetentionCandidate> => {
          const shared = String(img.isSelfShared ?? '').toLowerCase() === 'true';
          const accounts =
            shared && img.imageId ? await shareAccounts(clients, region, img.imageId, opts.limit) : [];
          return { row: toImageRow(region, img, accounts), inUse: img.usage === 'instance' };
        }),
      );
      const actions = planRetention(region, candidates, opts);
      if (!opts.force) await keepFamiliesAlive(clients, region, actions, images, opts.limit);
      for (const action of actions) {
        const image = images.find((i) => i.imageId === action.imageId) ?? { imageId: action.imageId };
        await carryOut(clients, region, image, action, opts).catch((err: unknown) => {
          action.error = err instanceof CloudError ? err.summary() : String(err);
          say(`${region}: could not ${action.action} ${action.imageId}: ${action.error}`);
        });
      }
      return actions;
    }),
  );
  const actions = perRegion.flat();
  const failed = actions.filter((a) => a.error);
  return {
    actions,
    ...(failed.length > 0
      ? { error: failed.map((a) => `${a.region} ${a.imageId}: ${a.error}`).join('; ') }
      : {}),
  };
}
