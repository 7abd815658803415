/** `sindri packer list`: sindri's images in one or every region. */
import type { CloudSession } from '../cloud/session.ts';
import { openWorkspace } from '../config/workspace.ts';
import { channelHeads } from '../images/channels.ts';
import {
  DEFAULT_CONCURRENCY,
  describeRegionImages,
  type ImageRow,
  inRegion,
  isManagedBySindri,
  mergePages,
  nameMatcher,
  shareAccounts,
  toImageRow,
} from '../images/images.ts';
import { createLimiter } from '../images/limit.ts';
import { tagRecord } from '../images/tags.ts';

export interface RunListOptions {
  configPath?: string | undefined;
  region?: string | undefined;
  allRegions?: boolean;
  name?: string | undefined;
  /** Only the image each region's channel points to. */
  channel?: string | undefined;
  concurrency?: number;
  onRegion?: (region: string, found: number, done: number, total: number) => void;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** The regions a command works on: `--all-regions`, else the session's region. */
export async function targetRegions(
  session: CloudSession,
  opts: { allRegions?: boolean },
): Promise<string[]> {
  return opts.allRegions ? session.allRegions() : [session.region];
}

export async function runList(opts: RunListOptions): Promise<ListResult> {
  const ws = await openWorkspace(opts);
  const regions = await targetRegions(ws, opts);
  return listImages(ws, {
    regions,
    name: opts.name,
    ...(opts.channel ? { channel: opts.channel } : {}),
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    ...(opts.onRegion ? { onRegion: opts.onRegion } : {}),
  });
}

export interface ListOptions {
  /** Regions to look in. */
  regions: string[];
  name?: string | undefined;
  /** Only the images a channel points to in each region, one per image line (as `sindri packer channels` resolves it). */
  channel?: string | undefined;
  concurrency?: number;
  /** Called after each region completes. */
  onRegion?: (region: string, found: number, done: number, total: number) => void;
}

export interface ListResult {
  images: ImageRow[];
  regions: string[];
  /** DescribeImages pages read. */
  pages: number;
}

export async function listImages(ctx: CloudSession, opts: ListOptions): Promise<ListResult> {
  const limit = createLimiter(opts.concurrency ?? DEFAULT_CONCURRENCY);
  const matches = nameMatcher(opts.name);
  const stats = { pages: 0 };
  let done = 0;
  // Regions start together; one limiter bounds the API calls in flight across all of them (the
  // region tasks themselves hold no slot, so nested calls cannot starve each other).
  const perRegion = await Promise.all(
    opts.regions.map(async (region) => {
      const clients = await ctx.clients(region);
      let images = (await describeRegionImages(clients, region, limit, {}, stats)).filter(
        (img) => isManagedBySindri(tagRecord(img.tags)) && matches(img.imageName ?? ''),
      );
      if (opts.channel) {
        const rows = images.map((img) => toImageRow(region, img));
        const heads = new Set(channelHeads(region, rows, opts.channel).map((r) => r.imageId));
        images = images.filter((img) => heads.has(img.imageId as string));
      }
      const rows = await Promise.all(
        images.map(async (img) => {
          const shared =
            String(img.isSelfShared ?? '').toLowerCase() === 'true' && img.imageId
              ? await shareAccounts(clients, region, img.imageId, limit).catch((err) => {
                  throw inRegion(err, region);
                })
              : [];
          return toImageRow(region, img, shared);
        }),
      );
      done++;
      opts.onRegion?.(region, rows.length, done, opts.regions.length);
      return rows;
    }),
  );
  return { images: mergePages(perRegion), regions: opts.regions, pages: stats.pages };
}
