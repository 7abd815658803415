/**
 * `sindri packer revoke`: pull a build everywhere at once. Each of its images, in every region: out
 * of its channels, tagged `sindri:revoked` (when and why), unshared (a shared image cannot be
 * deprecated), then Deprecated (it leaves its family and can no longer be shared or copied; running
 * instances keep running); a copy still being made is cancelled. Images built on it, and on those,
 * are flagged `sindri:base-revoked`. Running it again finishes what an interrupted run left.
 */
import { type CloudClients, CloudError } from '../cloud/index.ts';
import { errorText, SindriError, UsageError } from '../errors.ts';
import { parseBase } from '../images/ancestry.ts';
import { channelKey, currentChannels, isRevoked } from '../images/channels.ts';
import { familyGuard } from '../images/families.ts';
import type { ImageRow } from '../images/images.ts';
import { unshareAll } from '../images/share.ts';
import { BASE_REVOKED_TAG, MAX_TAGS_PER_RESOURCE, REVOKED_TAG } from '../images/tags.ts';
import type { Notification } from '../notify/message.ts';
import { byCodeUnits } from '../util/order.ts';
import { type Notified, notifyWebhooks } from './notify.ts';
import { findBuild, openScope, parseTarget, type Scope, type ScopeOptions, scopeRows } from './scope.ts';

export interface RevokeOptions extends ScopeOptions {
  target: string;
  reason: string;
  /** Deprecate even the last Available image of a family. */
  force?: boolean;
  now?: Date;
  /** Asked once, with the images to revoke; false stops before anything changes. */
  confirm?: (plan: { buildId: string; images: ImageRow[] }) => Promise<boolean>;
  onProgress?: (line: string) => void;
}

export interface RevokedImage {
  region: string;
  imageId: string;
  name: string;
  /** The status before. */
  status: string;
  /** Channels it was taken out of. */
  channels: string[];
  /** Accounts that lost access to it. */
  unshared: string[];
  deprecated: boolean;
  /** A copy still being made, cancelled instead. */
  cancelled?: boolean;
  error?: string;
}

export interface FlaggedImage {
  region: string;
  imageId: string;
  name: string;
  buildId: string | undefined;
  /** The image it was built on. */
  base: string;
  flagged: boolean;
  error?: string;
}

export interface RevokeResult extends Notified {
  buildId: string;
  name: string;
  reason: string;
  revokedAt: string;
  images: RevokedImage[];
  /** Images built on the revoked ones (and on those), flagged sindri:base-revoked. */
  descendants: FlaggedImage[];
  /** The question was answered no: nothing changed. */
  cancelled: boolean;
}

/** A reason fits one tag value after the time: 1–100 characters on one line, no address. */
export function checkReason(reason: string): string {
  const r = reason.trim();
  if (r.length === 0 || r.length > 100 || /[\r\n]/.test(r) || /https?:\/\//i.test(r))
    throw new UsageError(
      '--reason must be 1–100 characters on one line, without http:// or https:// (it is kept in a tag).',
      'e.g. --reason "CVE-2026-1234 in openssl"',
    );
  return r;
}

async function tag(clients: CloudClients, region: string, imageIds: string[], tags: Record<string, string>) {
  await clients.call('ecs', 'TagResources', {
    regionId: region,
    resourceType: 'image',
    resourceId: imageIds,
    tag: Object.entries(tags).map(([key, value]) => ({ key, value })) as never,
  });
}

async function revokeImage(scope: Scope, row: ImageRow, value: string): Promise<RevokedImage> {
  const { region, imageId } = row;
  const out: RevokedImage = {
    region,
    imageId,
    name: row.name,
    status: row.status,
    channels: [],
    unshared: [],
    deprecated: false,
  };
  const clients = await scope.ws.clients(region);
  const call = <T>(f: () => Promise<T>) => scope.limit(f);
  try {
    if (row.isCopy && (row.status === 'Creating' || row.status === 'Waiting')) {
      await call(() => clients.call('ecs', 'CancelCopyImage', { regionId: region, imageId }));
      return { ...out, cancelled: true };
    }
    // Out of its channels first: the revocation takes their room among the image's tags.
    out.channels = currentChannels(row.tags);
    if (out.channels.length > 0)
      await call(() =>
        clients.call('ecs', 'UntagResources', {
          regionId: region,
          resourceType: 'image',
          resourceId: [imageId],
          tagKey: out.channels.map(channelKey),
        }),
      );
    if (!isRevoked(row.tags)) {
      if (Object.keys(row.tags).length - out.channels.length + 1 > MAX_TAGS_PER_RESOURCE)
        throw new SindriError(
          `${imageId} carries ${MAX_TAGS_PER_RESOURCE} tags: no room for sindri:revoked`,
          {
            code: 'TooManyTags',
          },
        );
      await call(() => tag(clients, region, [imageId], { [REVOKED_TAG]: value }));
    }
    out.unshared = await unshareAll(clients, region, imageId, scope.limit);
    if (row.status === 'Available') {
      await call(() =>
        clients.call('ecs', 'ModifyImageAttribute', { regionId: region, imageId, status: 'Deprecated' }),
      );
      out.deprecated = true;
    }
  } catch (err) {
    if (err instanceof CloudError && /^InvalidImageId\.Not/.test(err.code)) return { ...out, error: 'gone' };
    out.error = errorText(err);
  }
  return out;
}

/** Images built on any of `ids` (by image, or by the build recorded with the base), transitively. */
export function descendantsOf(
  rows: readonly ImageRow[],
  ids: ReadonlySet<string>,
  buildId: string,
): ImageRow[] {
  const images = new Set(ids);
  const builds = new Set([buildId]);
  const found: ImageRow[] = [];
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of rows) {
      if (images.has(row.imageId) || found.includes(row)) continue;
      const base = parseBase(row.tags);
      if (!base || !(images.has(base.imageId) || (base.parentBuild && builds.has(base.parentBuild))))
        continue;
      found.push(row);
      images.add(row.imageId);
      if (row.buildId) builds.add(row.buildId);
      grew = true;
    }
  }
  return found;
}

async function flag(scope: Scope, row: ImageRow, value: string): Promise<FlaggedImage> {
  const base = parseBase(row.tags)?.imageId ?? '';
  const out = { region: row.region, imageId: row.imageId, name: row.name, buildId: row.buildId, base };
  if (row.tags[BASE_REVOKED_TAG] !== undefined) return { ...out, flagged: true };
  if (Object.keys(row.tags).length >= MAX_TAGS_PER_RESOURCE)
    return {
      ...out,
      flagged: false,
      error: `it carries ${MAX_TAGS_PER_RESOURCE} tags: no room for sindri:base-revoked`,
    };
  try {
    await scope.limit(async () =>
      tag(await scope.ws.clients(row.region), row.region, [row.imageId], { [BASE_REVOKED_TAG]: value }),
    );
    return { ...out, flagged: true };
  } catch (err) {
    return { ...out, flagged: false, error: errorText(err) };
  }
}

export async function revoke(scope: Scope, opts: RevokeOptions): Promise<Omit<RevokeResult, keyof Notified>> {
  const reason = checkReason(opts.reason);
  const found = await findBuild(scope, parseTarget(opts.target));
  const at = (opts.now ?? new Date()).toISOString();
  const rows = found.regions.flatMap((r) => r.all).filter((r) => r.status !== 'CreateFailed');
  if (!opts.force) {
    const reasons = await familyGuard(
      (region) => scope.ws.clients(region),
      rows.map((r) => ({ region: r.region, imageId: r.imageId, status: r.status, family: r.family })),
      scope.limit,
    );
    if (reasons.length > 0)
      throw new SindriError(`Refusing to revoke build ${found.buildId}:\n  - ${reasons.join('\n  - ')}`, {
        code: 'LastImageOfFamily',
        actions: ['build a replacement into the family first, or pass --force to revoke anyway'],
      });
  }
  const name = found.regions.find((r) => r.primary)?.primary?.name ?? rows[0]?.name ?? '';
  const base = { buildId: found.buildId, name, reason, revokedAt: at };
  if (opts.confirm && !(await opts.confirm({ buildId: found.buildId, images: rows })))
    return { ...base, images: [], descendants: [], cancelled: true };
  const images = await Promise.all(rows.map((r) => revokeImage(scope, r, `${at} ${reason}`)));
  for (const i of images)
    opts.onProgress?.(
      `${i.region}: ${i.imageId} ${i.error ? `failed: ${i.error}` : i.cancelled ? 'copy cancelled' : `revoked${i.deprecated ? ', deprecated' : ''}${i.unshared.length > 0 ? `, unshared from ${i.unshared.join(', ')}` : ''}${i.channels.length > 0 ? `, out of ${i.channels.join(', ')}` : ''}`}`,
    );
  const everything = await scopeRows(scope);
  const revokedIds = new Set(rows.map((r) => r.imageId));
  const descendants = await Promise.all(
    descendantsOf(everything, revokedIds, found.buildId).map((row) =>
      flag(scope, row, `${found.buildId} ${at}`),
    ),
  );
  for (const d of descendants)
    opts.onProgress?.(
      `${d.region}: ${d.imageId} (${d.name}) was built on a revoked image${d.flagged ? '; flagged' : `; not flagged: ${d.error}`}`,
    );
  return {
    ...base,
    cancelled: false,
    images: images.sort((a, b) => byCodeUnits(a.region, b.region) || byCodeUnits(a.imageId, b.imageId)),
    descendants,
  };
}

export function revokedNotification(r: Omit<RevokeResult, keyof Notified>): Notification {
  const failed = r.images.filter((i) => i.error && i.error !== 'gone');
  return {
    event: 'revoked',
    at: r.revokedAt,
    title: `sindri: ${r.name} revoked`,
    lines: [
      `build ${r.buildId}: ${r.reason}`,
      ...r.images.map(
        (i) =>
          `${i.region} ${i.imageId}: ${i.error ? `failed: ${i.error}` : i.cancelled ? 'copy cancelled' : 'deprecated'}`,
      ),
      ...r.descendants.map((d) => `built on it: ${d.region} ${d.imageId} (${d.name})`),
    ],
    failure: failed.length > 0,
    data: {
      build: { buildId: r.buildId, name: r.name },
      reason: r.reason,
      images: r.images,
      descendants: r.descendants,
    },
  };
}

export async function runRevoke(opts: RevokeOptions): Promise<RevokeResult> {
  const scope = await openScope(opts);
  const result = await revoke(scope, opts);
  if (result.cancelled) return { ...result, notified: [], warnings: [] };
  const notified = await notifyWebhooks(scope.ws, revokedNotification(result), opts.env ?? process.env);
  const full = { ...result, ...notified };
  const failed = result.images.filter((i) => i.error && i.error !== 'gone');
  if (failed.length > 0)
    throw new SindriError(
      `Revoking build ${result.buildId} did not finish: ${failed.map((i) => `${i.region} ${i.imageId}: ${i.error}`).join('; ')}`,
      {
        code: 'RevokeIncomplete',
        actions: ['run the same command again: what was done is kept'],
        result: full,
      },
    );
  return full;
}
