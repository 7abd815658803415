/**
 * The registry's results as rows for src/cli/table.ts: the channels (each one's current image and its
 * promotions, per region), a promotion's regions, and a revocation's images and the images built on them.
 */
import { shortTime } from '../lifecycle/format.ts';
import type { ChannelsResult } from '../registry/channels.ts';
import type { PromoteResult } from '../registry/promote.ts';
import type { FlaggedImage, RevokedImage } from '../registry/revoke.ts';
import type { Column } from './table.ts';

/** One promotion into a channel in a region; `current` marks the image the channel points to now. */
export interface ChannelRow {
  channel: string;
  line: string;
  region: string;
  current: boolean;
  imageId: string;
  name: string;
  buildId: string | undefined;
  promotedAt: string | undefined;
  revoked: boolean;
}

/**
 * The rows of `sindri packer channels`: per channel, line and region the newest `history` promotions,
 * newest first, the current image's latest one marked; the current image always has a row, even when
 * `history` is 0 or its promotion is older than those shown.
 */
export function channelRows(result: ChannelsResult, history: number): ChannelRow[] {
  return result.channels.flatMap((c) =>
    c.regions.flatMap((r) => {
      const rows: ChannelRow[] = r.history.slice(0, history).map((e) => ({
        channel: c.channel,
        line: c.line,
        region: r.region,
        current: false,
        imageId: e.imageId,
        name: e.name,
        buildId: e.buildId,
        promotedAt: e.at,
        revoked: e.revoked,
      }));
      const cur = r.current;
      if (cur) {
        const mine = rows.find((row) => row.imageId === cur.imageId && row.promotedAt === cur.promotedAt);
        if (mine) mine.current = true;
        else
          rows.unshift({
            channel: c.channel,
            line: c.line,
            region: r.region,
            current: true,
            imageId: cur.imageId,
            name: cur.name,
            buildId: cur.buildId,
            promotedAt: cur.promotedAt,
            revoked: false,
          });
      }
      return rows;
    }),
  );
}

const dash = (s: string | undefined) => s ?? '-';

export const CHANNEL_COLUMNS: ReadonlyArray<Column<ChannelRow>> = [
  { key: 'channel', header: 'CHANNEL', value: (r) => r.channel },
  { key: 'line', header: 'LINE', value: (r) => r.line },
  { key: 'region', header: 'REGION', value: (r) => r.region },
  { key: 'current', header: 'NOW', value: (r) => r.current, cell: (r) => (r.current ? '→' : '') },
  { key: 'image-id', header: 'IMAGE ID', value: (r) => r.imageId },
  { key: 'name', header: 'NAME', value: (r) => r.name },
  { key: 'build-id', header: 'BUILD', value: (r) => r.buildId ?? null, cell: (r) => dash(r.buildId) },
  {
    key: 'promoted',
    header: 'PROMOTED',
    value: (r) => r.promotedAt ?? null,
    cell: (r) => (r.promotedAt ? shortTime(r.promotedAt) : '-'),
  },
  { key: 'revoked', header: 'REVOKED', value: (r) => r.revoked, cell: (r) => (r.revoked ? 'revoked' : '') },
];

export const PROMOTION_COLUMNS: ReadonlyArray<Column<PromoteResult['regions'][number]>> = [
  { key: 'region', header: 'REGION', value: (r) => r.region },
  { key: 'image-id', header: 'IMAGE ID', value: (r) => r.imageId },
  {
    key: 'was',
    header: 'WAS',
    value: (r) => r.previous ?? null,
    cell: (r) => r.previous ?? (r.unchanged ? '(already)' : '-'),
  },
];

export const REVOKED_COLUMNS: ReadonlyArray<Column<RevokedImage>> = [
  { key: 'region', header: 'REGION', value: (r) => r.region },
  { key: 'image-id', header: 'IMAGE ID', value: (r) => r.imageId },
  {
    key: 'result',
    header: 'RESULT',
    value: (r) => (r.cancelled ? 'copy cancelled' : r.deprecated ? 'deprecated' : r.status),
  },
  {
    key: 'unshared',
    header: 'UNSHARED FROM',
    value: (r) => r.unshared.join(' '),
    cell: (r) => (r.unshared.length > 0 ? r.unshared.join(', ') : '-'),
  },
];

export const FLAGGED_COLUMNS: ReadonlyArray<Column<FlaggedImage>> = [
  { key: 'region', header: 'REGION', value: (r) => r.region },
  { key: 'image-id', header: 'BUILT ON IT', value: (r) => r.imageId },
  { key: 'name', header: 'NAME', value: (r) => r.name },
  { key: 'base', header: 'BASE', value: (r) => r.base },
];
