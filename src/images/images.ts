/** Finding sindri's images: every page of every region, with a bound on calls in flight. */
import type { CloudClients } from '../cloud/index.ts';
import { CloudError } from '../cloud/index.ts';
import { byCodeUnits } from '../util/order.ts';
import type { Limiter } from './limit.ts';
import {
  BUILD_ID_TAG,
  CONFIG_HASH_TAG,
  MANAGED_BY_KEY,
  MANAGED_BY_VALUE,
  type SdkTag,
  tagRecord,
  VERSION_TAG,
} from './tags.ts';

/** The RAM role ECS writes exported images to OSS with, unless told another. */
export const DEFAULT_EXPORT_ROLE = 'AliyunECSImageExportDefaultRole';

/** Every image status, so that Creating, failed and deprecated images are listed too. */
export const ALL_IMAGE_STATUSES = 'Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated';
/** The largest page DescribeImages serves. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_CONCURRENCY = 8;

export interface ImageRow {
  imageId: string;
  name: string;
  region: string;
  status: string;
  /** ISO 8601, as the API reports it. */
  created: string;
  /** GiB. */
  sizeGiB: number;
  encrypted: boolean;
  /** Account IDs the image is shared with. */
  sharedAccounts: string[];
  configHash: string | undefined;
  buildId: string | undefined;
  sindriVersion: string | undefined;
  /** The image family it belongs to, when any. */
  family?: string | undefined;
  deprecated: boolean;
  isCopy: boolean;
  snapshotIds: string[];
  tags: Record<string, string>;
}

/** The fields of a DescribeImages image this module reads. */
export interface SdkImage {
  imageId?: string;
  imageName?: string;
  status?: string;
  creationTime?: string;
  size?: number;
  isCopied?: boolean;
  isSelfShared?: string;
  imageFamily?: string;
  imageOwnerAlias?: string;
  diskDeviceMappings?: { diskDeviceMapping?: Array<{ snapshotId?: string; encrypted?: boolean | string }> };
  tags?: { tag?: SdkTag[] };
}

export interface SelfImageFilter {
  imageId?: string;
  imageName?: string;
  tags?: Record<string, string>;
  /** Comma-separated statuses; every status by default. */
  status?: string;
  imageFamily?: string;
}

/**
 * The account's own images matching `filter`, every page. `ImageName` is a fuzzy match in the API:
 * compare names yourself (`imagesNamed`).
 */
export async function selfImages(
  clients: CloudClients,
  region: string,
  filter: SelfImageFilter,
): Promise<SdkImage[]> {
  const page = (pageNumber: number) =>
    clients.call('ecs', 'DescribeImages', {
      regionId: region,
      imageOwnerAlias: 'self',
      status: filter.status ?? ALL_IMAGE_STATUSES,
      pageNumber,
      pageSize: MAX_PAGE_SIZE,
      ...(filter.imageId ? { imageId: filter.imageId } : {}),
      ...(filter.imageName ? { imageName: filter.imageName } : {}),
      ...(filter.imageFamily ? { imageFamily: filter.imageFamily } : {}),
      ...(filter.tags
        ? { tag: Object.entries(filter.tags).map(([key, value]) => ({ key, value })) as never }
        : {}),
    });
  const first = await page(1);
  const rest = await Promise.all(remainingPages(first.totalCount ?? 0, MAX_PAGE_SIZE).map(page));
  return [first, ...rest].flatMap((b) => (b.images?.image ?? []) as SdkImage[]);
}

/** The account's own images named exactly `name` (the API's name filter also returns similar names). */
export async function imagesNamed(clients: CloudClients, region: string, name: string): Promise<SdkImage[]> {
  const found = await selfImages(clients, region, { imageName: name });
  const seen = new Set<string>();
  return found.filter((i) => {
    if (i.imageName !== name || !i.imageId || seen.has(i.imageId)) return false;
    seen.add(i.imageId);
    return true;
  });
}

/** One of the account's own images, in any status; undefined when the region has no such image. */
export async function findSelfImage(
  clients: CloudClients,
  region: string,
  imageId: string,
): Promise<SdkImage | undefined> {
  return (await selfImages(clients, region, { imageId })).find((i) => i.imageId === imageId);
}

export function toImageRow(region: string, image: SdkImage, sharedAccounts: string[] = []): ImageRow {
  const tags = tagRecord(image.tags);
  const mappings = image.diskDeviceMappings?.diskDeviceMapping ?? [];
  const status = image.status ?? '';
  return {
    imageId: image.imageId ?? '',
    name: image.imageName ?? '',
    region,
    status,
    created: image.creationTime ?? '',
    sizeGiB: Number(image.size ?? 0),
    encrypted: mappings.some((m) => m.encrypted === true || String(m.encrypted).toLowerCase() === 'true'),
    sharedAccounts,
    configHash: tags[CONFIG_HASH_TAG],
    buildId: tags[BUILD_ID_TAG],
    sindriVersion: tags[VERSION_TAG],
    family: image.imageFamily || undefined,
    deprecated: status === 'Deprecated',
    isCopy: image.isCopied === true,
    snapshotIds: mappings.map((m) => m.snapshotId).filter((s): s is string => !!s),
    tags,
  };
}

export function isEncrypted(image: SdkImage): boolean {
  const mappings = image.diskDeviceMappings?.diskDeviceMapping ?? [];
  return (
    mappings.length > 0 &&
    mappings.every((m) => m.encrypted === true || String(m.encrypted).toLowerCase() === 'true')
  );
}

export function isManagedBySindri(tags: Record<string, string>): boolean {
  return tags[MANAGED_BY_KEY] === MANAGED_BY_VALUE;
}

/**
 * `--name`: a glob (`*` any run of characters, `?` one character) matched against the whole
 * name, or, without wildcards, a substring. Case-insensitive either way.
 */
export function nameMatcher(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined || pattern === '') return () => true;
  const p = pattern.toLowerCase();
  if (!/[*?]/.test(p)) return (name) => name.toLowerCase().includes(p);
  const source = [...p]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${source}$`, 's');
  return (name) => re.test(name.toLowerCase());
}

/** Newest first; ties by region, then image ID, so the order is stable across runs. */
export function compareNewestFirst(a: ImageRow, b: ImageRow): number {
  const ta = Date.parse(a.created);
  const tb = Date.parse(b.created);
  const da = Number.isNaN(ta) ? Number.NEGATIVE_INFINITY : ta;
  const db = Number.isNaN(tb) ? Number.NEGATIVE_INFINITY : tb;
  if (da !== db) return db - da;
  return byCodeUnits(a.region, b.region) || byCodeUnits(a.imageId, b.imageId);
}

/**
 * Joins pages (of one or many regions) into one list: an image seen twice (pages shift when
 * images are created or deleted while listing) is kept once; the result is newest first.
 */
export function mergePages(pages: readonly (readonly ImageRow[])[]): ImageRow[] {
  const seen = new Map<string, ImageRow>();
  for (const page of pages) for (const row of page) seen.set(`${row.region}|${row.imageId}`, row);
  return [...seen.values()].sort(compareNewestFirst);
}

/** Page numbers 2..N for a total, given the page size. */
export function remainingPages(totalCount: number, pageSize: number): number[] {
  const pages = Math.ceil(Math.max(0, totalCount) / pageSize);
  return Array.from({ length: Math.max(0, pages - 1) }, (_, i) => i + 2);
}

/** The error with the region in front of its message. */
export function inRegion(err: unknown, region: string): unknown {
  return err instanceof CloudError ? err.withMessage(`${region}: ${err.message}`) : err;
}

export interface DescribeFilter {
  imageId?: string;
  /** Extra tag filters besides ManagedBy=sindri. */
  tags?: Record<string, string>;
}

/** One region's sindri images: the first page tells the total, the other pages are fetched in parallel. */
export async function describeRegionImages(
  clients: CloudClients,
  region: string,
  limit: Limiter,
  filter: DescribeFilter = {},
  stats?: { pages: number },
): Promise<SdkImage[]> {
  const tag = [
    { key: MANAGED_BY_KEY, value: MANAGED_BY_VALUE },
    ...Object.entries(filter.tags ?? {}).map(([key, value]) => ({ key, value })),
  ];
  const page = (pageNumber: number) =>
    limit(async () => {
      const body = await clients.call('ecs', 'DescribeImages', {
        regionId: region,
        imageOwnerAlias: 'self',
        status: ALL_IMAGE_STATUSES,
        // Plain objects: the SDK models serialise them as Tag.N.Key / Tag.N.Value.
        tag: tag as never,
        pageNumber,
        pageSize: MAX_PAGE_SIZE,
        ...(filter.imageId ? { imageId: filter.imageId } : {}),
      });
      if (stats) stats.pages++;
      return body;
    });
  try {
    const first = await page(1);
    const rest = await Promise.all(remainingPages(first.totalCount ?? 0, MAX_PAGE_SIZE).map(page));
    return [first, ...rest].flatMap((b) => (b.images?.image ?? []) as SdkImage[]);
  } catch (err) {
    throw inRegion(err, region);
  }
}

/** The accounts an image is shared with (only asked for images the API marks as self-shared). */
export async function shareAccounts(
  clients: CloudClients,
  region: string,
  imageId: string,
  limit: Limiter,
): Promise<string[]> {
  const out: string[] = [];
  for (let pageNumber = 1; ; pageNumber++) {
    const body = await limit(() =>
      clients.call('ecs', 'DescribeImageSharePermission', {
        regionId: region,
        imageId,
        pageNumber,
        pageSize: MAX_PAGE_SIZE,
      }),
    );
    const accounts = body.accounts?.account ?? [];
    for (const a of accounts) if (a.aliyunId) out.push(a.aliyunId);
    if (accounts.length < MAX_PAGE_SIZE || out.length >= (body.totalCount ?? 0)) return out;
  }
}
