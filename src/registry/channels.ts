/**
 * `sindri packer channels`: what each channel points to in each region, and its history, from the
 * images' own tags (one listing per region, nothing kept anywhere else).
 */
import { type ChannelEvent, channelIn, channelLines, lineOf } from '../images/channels.ts';
import type { ImageRow } from '../images/images.ts';
import { CHANNEL_TAG_PREFIX, PROMOTED_TAG } from '../images/tags.ts';
import { openScope, type ScopeOptions, scopeRows } from './scope.ts';

export interface ChannelsOptions extends ScopeOptions {
  /** Only this channel. */
  channel?: string | undefined;
  /** Only this image line (an image name, its version ignored). */
  line?: string | undefined;
}

export interface ChannelHead {
  imageId: string;
  buildId: string | undefined;
  name: string;
  status: string;
  /** When it was last promoted into the channel. */
  promotedAt: string | undefined;
}

export interface ChannelRegionView {
  region: string;
  current: ChannelHead | undefined;
  /** More than one image says it is current (a promotion that stopped half way: run it again). */
  contenders?: string[];
  history: ChannelEvent[];
}

export interface ChannelView {
  channel: string;
  /** The image line it belongs to (image names without their version). */
  line: string;
  regions: ChannelRegionView[];
}

export interface ChannelsResult {
  regions: string[];
  channels: ChannelView[];
}

function head(row: ImageRow, history: ChannelEvent[]): ChannelHead {
  return {
    imageId: row.imageId,
    buildId: row.buildId,
    name: row.name,
    status: row.status,
    promotedAt: history.find((e) => e.imageId === row.imageId)?.at,
  };
}

/** The channels of these rows, per line and region (a region only where the channel has been). */
export function channelsOf(
  rows: readonly ImageRow[],
  regions: readonly string[],
  only?: string,
): ChannelView[] {
  return channelLines(rows)
    .filter((p) => only === undefined || p.channel === only)
    .map(({ channel, line }) => ({
      channel,
      line,
      regions: regions
        .map((region) => channelIn(region, rows, channel, line))
        .filter((c) => c.current || c.history.length > 0)
        .map(
          (c): ChannelRegionView => ({
            region: c.region,
            current: c.current && head(c.current, c.history),
            ...(c.contenders.length > 0 ? { contenders: c.contenders.map((r) => r.imageId) } : {}),
            history: c.history,
          }),
        ),
    }));
}

export async function runChannels(opts: ChannelsOptions): Promise<ChannelsResult> {
  const scope = await openScope(opts);
  const rows = (await scopeRows(scope)).filter(
    (r) =>
      r.tags[PROMOTED_TAG] !== undefined || Object.keys(r.tags).some((k) => k.startsWith(CHANNEL_TAG_PREFIX)),
  );
  const line = opts.line === undefined ? undefined : lineOf(opts.line);
  return {
    regions: scope.regions,
    channels: channelsOf(rows, scope.regions, opts.channel).filter(
      (c) => line === undefined || c.line === line,
    ),
  };
}
