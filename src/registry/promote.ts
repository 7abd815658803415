/**
 * `sindri packer promote`: a channel points to a build's image in every region the build reached.
 * Per region the new image takes the channel's tag first (its promotion appended to its history), then
 * the image that held it lets go, so the channel always names an image; a promotion that stops between
 * the two is finished by running it again. Promoting an older build is the rollback.
 */
import type { CloudClients } from '../cloud/index.ts';
import { SindriError, UsageError } from '../errors.ts';
import {
  CHANNEL_NAME,
  channelKey,
  formatPromotions,
  isRevoked,
  lineOf,
  parsePromotions,
} from '../images/channels.ts';
import type { ImageRow } from '../images/images.ts';
import { MAX_TAGS_PER_RESOURCE, PROMOTED_TAG } from '../images/tags.ts';
import { imagesLine, type Notification } from '../notify/message.ts';
import { byCodeUnits } from '../util/order.ts';
import { type Notified, notifyWebhooks } from './notify.ts';
import { findBuild, openScope, parseTarget, regionRows, type Scope, type ScopeOptions } from './scope.ts';

export interface PromoteOptions extends ScopeOptions {
  /** An image of the build, or its build ID. */
  target: string;
  channel: string;
  now?: Date;
  onProgress?: (line: string) => void;
}

export interface RegionPromotion {
  region: string;
  imageId: string;
  /** The image the channel pointed to before, when another. */
  previous?: string;
  /** It already pointed to this image. */
  unchanged: boolean;
}

export interface PromoteResult extends Notified {
  channel: string;
  /** The image line the channel belongs to (the image name without its version). */
  line: string;
  buildId: string;
  name: string;
  promotedAt: string;
  regions: RegionPromotion[];
  /** Regions where the channel points to another build, which has no image of this one to take it. */
  behind: Array<{ region: string; imageId: string }>;
}

export function checkChannel(channel: string): void {
  if (!CHANNEL_NAME.test(channel))
    throw new UsageError(
      `--channel ${channel}: a channel name is 1–32 lowercase letters, digits and "-", starting with a letter or digit.`,
      'e.g. --channel prod',
    );
}

async function tagImage(
  clients: CloudClients,
  region: string,
  imageId: string,
  tags: Record<string, string>,
) {
  await clients.call('ecs', 'TagResources', {
    regionId: region,
    resourceType: 'image',
    resourceId: [imageId],
    tag: Object.entries(tags).map(([key, value]) => ({ key, value })) as never,
  });
}

async function promoteIn(
  scope: Scope,
  region: string,
  image: ImageRow,
  channel: string,
  at: string,
): Promise<RegionPromotion> {
  const key = channelKey(channel);
  const line = lineOf(image.name);
  const clients = await scope.ws.clients(region);
  const holders = (await regionRows(scope, region, { tags: { [key]: line } })).filter(
    (r) => r.imageId !== image.imageId && r.tags[key] === line,
  );
  const history = parsePromotions(image.tags[PROMOTED_TAG]);
  const unchanged = image.tags[key] === line && history.some((p) => p.channel === channel);
  if (!unchanged) {
    const added = [key, PROMOTED_TAG].filter((k) => image.tags[k] === undefined).length;
    const count = Object.keys(image.tags).length + added;
    if (count > MAX_TAGS_PER_RESOURCE)
      throw new SindriError(
        `${region}: ${image.imageId} carries ${Object.keys(image.tags).length} tags; the channel needs ${added} more and an image carries at most ${MAX_TAGS_PER_RESOURCE}.`,
        {
          code: 'TooManyTags',
          actions: [
            'take the image out of another channel (promote another image there), or build with fewer providers.packer.tags',
          ],
        },
      );
    await scope.limit(() =>
      tagImage(clients, region, image.imageId, {
        [key]: line,
        [PROMOTED_TAG]: formatPromotions([...history, { channel, at }]),
      }),
    );
  }
  if (holders.length > 0)
    await scope.limit(() =>
      clients.call('ecs', 'UntagResources', {
        regionId: region,
        resourceType: 'image',
        resourceId: holders.map((h) => h.imageId),
        tagKey: [key],
      }),
    );
  return {
    region,
    imageId: image.imageId,
    ...(holders[0] ? { previous: holders[0].imageId } : {}),
    unchanged: unchanged && holders.length === 0,
  };
}

export async function promote(
  scope: Scope,
  opts: PromoteOptions,
): Promise<Omit<PromoteResult, keyof Notified>> {
  checkChannel(opts.channel);
  const found = await findBuild(scope, parseTarget(opts.target));
  const at = (opts.now ?? new Date()).toISOString();
  const images = found.regions.flatMap((r) => (r.primary ? [r.primary] : []));
  const revoked = images.filter((i) => isRevoked(i.tags));
  if (revoked.length > 0)
    throw new SindriError(
      `Build ${found.buildId} was revoked (${revoked.map((i) => i.imageId).join(', ')}): a revoked build is never promoted.`,
      {
        code: 'ImageRevoked',
        actions: ['promote another build'],
      },
    );
  const unusable = images.filter((i) => i.status !== 'Available');
  if (unusable.length > 0 || images.length === 0)
    throw new SindriError(
      `Build ${found.buildId} has no Available image${unusable.length > 0 ? ` in ${unusable.map((i) => `${i.region} (${i.imageId} is ${i.status})`).join(', ')}` : ''}: only Available images are promoted.`,
      {
        code: 'ImageNotAvailable',
        actions: [
          'restore a Deprecated image first (ModifyImageAttribute Status=Available), or promote another build',
        ],
      },
    );
  const regions = await Promise.all(
    images.map(async (image) => {
      const done = await promoteIn(scope, image.region, image, opts.channel, at);
      opts.onProgress?.(
        `${image.region}: ${opts.channel} → ${image.imageId}${done.previous ? ` (was ${done.previous})` : done.unchanged ? ' (already)' : ''}`,
      );
      return done;
    }),
  );
  // Where the build has no image, the line's channel still names whatever it named.
  const reached = new Set(images.map((i) => i.region));
  const key = channelKey(opts.channel);
  const line = lineOf(images[0]?.name ?? '');
  const behind = (
    await Promise.all(
      scope.regions
        .filter((r) => !reached.has(r))
        .map((r) => regionRows(scope, r, { tags: { [key]: line } })),
    )
  )
    .flat()
    .filter((r) => r.tags[key] === line && !isRevoked(r.tags))
    .map((r) => ({ region: r.region, imageId: r.imageId }));
  return {
    channel: opts.channel,
    line,
    buildId: found.buildId,
    name: images[0]?.name ?? '',
    promotedAt: at,
    regions: regions.sort((a, b) => byCodeUnits(a.region, b.region)),
    behind,
  };
}

export function promotedNotification(r: Omit<PromoteResult, keyof Notified>): Notification {
  const images = Object.fromEntries(r.regions.map((x) => [x.region, x.imageId]));
  return {
    event: 'promoted',
    at: r.promotedAt,
    title: `sindri: ${r.name} promoted to ${r.channel}`,
    lines: [
      `build ${r.buildId}`,
      `images: ${imagesLine(images)}`,
      ...r.regions.filter((x) => x.previous).map((x) => `${x.region}: was ${x.previous}`),
      ...r.behind.map((b) => `${b.region}: still ${b.imageId} (the build has no image there)`),
    ],
    failure: false,
    data: {
      channel: r.channel,
      line: r.line,
      build: { buildId: r.buildId, name: r.name, images },
      previous: Object.fromEntries(r.regions.filter((x) => x.previous).map((x) => [x.region, x.previous])),
    },
  };
}

export async function runPromote(opts: PromoteOptions): Promise<PromoteResult> {
  const scope = await openScope(opts);
  const result = await promote(scope, opts);
  const env = opts.env ?? process.env;
  return { ...result, ...(await notifyWebhooks(scope.ws, promotedNotification(result), env)) };
}
