/**
 * Channels, kept in the images' own tags (no other store). A channel belongs to an image line: the
 * images of one name with any version or date suffix (`web-1`, `web-2`, `web-20260105-031700` are
 * the line `web`, as retention counts them). The image a line's channel points to in a region carries
 * `sindri:channel:<name>` = the line, a value a tag filter selects (Terraform's `alicloud_images`,
 * `DescribeImages Tag.N`); every promotion also appends `<name>@<time>` to the image's
 * `sindri:promoted`, which is never removed, so a channel's history is what the images say, listed.
 * Pure: the cloud calls are the registry's (src/registry/).
 */

import { byCodeUnits } from '../util/order.ts';
import type { ImageRow } from './images.ts';
import { nameStem } from './retention.ts';
import { CHANNEL_TAG_PREFIX, MAX_TAG_VALUE, PROMOTED_TAG, REVOKED_TAG, SOURCE_IMAGE_TAG } from './tags.ts';

/** A channel name: lowercase letters, digits and `-`, at most 32 characters. */
export const CHANNEL_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

export function channelKey(channel: string): string {
  return `${CHANNEL_TAG_PREFIX}${channel}`;
}

export interface Promotion {
  channel: string;
  /** ISO 8601 with milliseconds. */
  at: string;
}

/** `2026-01-05T10:10:10.123Z` → `20260105T101010.123Z` (what a promotion entry holds). */
export function compactTime(iso: string): string {
  return new Date(iso).toISOString().replace(/[-:]/g, '');
}

/** The inverse of compactTime; undefined for anything else. */
export function expandTime(compact: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\.\d{3})?Z$/.exec(compact);
  if (!m) return undefined;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? '.000'}Z`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
}

/** The promotions a `sindri:promoted` value lists, oldest first; what does not parse is skipped. */
export function parsePromotions(value: string | undefined): Promotion[] {
  const out: Promotion[] = [];
  for (const entry of (value ?? '').split(/\s+/)) {
    const at = entry.lastIndexOf('@');
    if (at <= 0) continue;
    const channel = entry.slice(0, at);
    const time = expandTime(entry.slice(at + 1));
    if (CHANNEL_NAME.test(channel) && time) out.push({ channel, at: time });
  }
  return out.sort((a, b) => byCodeUnits(a.at, b.at));
}

/** A `sindri:promoted` value: the newest promotions that fit in one tag value, oldest first. */
export function formatPromotions(promotions: readonly Promotion[]): string {
  const entries = [...promotions]
    .sort((a, b) => byCodeUnits(a.at, b.at))
    .map((p) => `${p.channel}@${compactTime(p.at)}`);
  while (entries.join(' ').length > MAX_TAG_VALUE) entries.shift();
  return entries.join(' ');
}

/** The line of an image: its name without a trailing version or date. */
export function lineOf(name: string): string {
  return nameStem(name);
}

/** The channels an image is the current image of (of its line). */
export function currentChannels(tags: Readonly<Record<string, string>>): string[] {
  return Object.entries(tags)
    .filter(([k, v]) => k.startsWith(CHANNEL_TAG_PREFIX) && v !== '')
    .map(([k]) => k.slice(CHANNEL_TAG_PREFIX.length))
    .sort();
}

export function isRevoked(tags: Readonly<Record<string, string>>): boolean {
  return tags[REVOKED_TAG] !== undefined;
}

/** `sindri:revoked`'s value: when and why. */
export function revocationOf(
  tags: Readonly<Record<string, string>>,
): { at: string; reason: string } | undefined {
  const value = tags[REVOKED_TAG];
  if (value === undefined) return undefined;
  const space = value.indexOf(' ');
  return space < 0
    ? { at: value, reason: '' }
    : { at: value.slice(0, space), reason: value.slice(space + 1) };
}

/** One region's images of one build: `primary` is the one the build distributed there. */
export interface BuildInRegion {
  region: string;
  primary: ImageRow | undefined;
  /** Every image of the build in the region (an unencrypted intermediate, failed copies too). */
  all: ImageRow[];
}

/**
 * The build's images in one region's listing. With encryption the build region also holds the
 * unencrypted intermediate, which the encrypted copy names as its source: it is never the primary.
 */
export function buildInRegion(region: string, rows: readonly ImageRow[], buildId: string): BuildInRegion {
  const all = rows.filter((r) => r.region === region && r.buildId === buildId);
  const sources = new Set(all.map((r) => r.tags[SOURCE_IMAGE_TAG]).filter(Boolean));
  const usable = all
    .filter((r) => r.status === 'Available' || r.status === 'Deprecated')
    .filter((r) => !sources.has(r.imageId))
    .sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
  return { region, primary: usable[0], all };
}

export interface ChannelEvent {
  at: string;
  imageId: string;
  buildId: string | undefined;
  name: string;
  /** The image was revoked since. */
  revoked: boolean;
}

export interface ChannelInRegion {
  region: string;
  line: string;
  /** The image the channel points to; undefined when none (never promoted here, or revoked). */
  current: ImageRow | undefined;
  /** When more than one image says it is current (a promotion that stopped half way): all of them. */
  contenders: ImageRow[];
  /** Every promotion into the channel of this line in this region, newest first. */
  history: ChannelEvent[];
}

const lastPromotion = (row: ImageRow, channel: string): string =>
  parsePromotions(row.tags[PROMOTED_TAG])
    .filter((p) => p.channel === channel)
    .map((p) => p.at)
    .sort()
    .at(-1) ?? '';

/**
 * A line's channel in one region, from the region's images: the current image is the one holding the
 * channel's tag with the line as its value; should several (a promotion interrupted between its two
 * calls), the one promoted last. A revoked image is never current.
 */
export function channelIn(
  region: string,
  rows: readonly ImageRow[],
  channel: string,
  line: string,
): ChannelInRegion {
  const here = rows.filter((r) => r.region === region && lineOf(r.name) === line);
  const key = channelKey(channel);
  const contenders = here.filter((r) => r.tags[key] === line && !isRevoked(r.tags));
  const current = [...contenders].sort((a, b) =>
    byCodeUnits(lastPromotion(b, channel), lastPromotion(a, channel)),
  )[0];
  const history = here
    .flatMap((r) =>
      parsePromotions(r.tags[PROMOTED_TAG])
        .filter((p) => p.channel === channel)
        .map(
          (p): ChannelEvent => ({
            at: p.at,
            imageId: r.imageId,
            buildId: r.buildId,
            name: r.name,
            revoked: isRevoked(r.tags),
          }),
        ),
    )
    .sort((a, b) => byCodeUnits(b.at, a.at) || byCodeUnits(a.imageId, b.imageId));
  return { region, line, current, contenders: contenders.length > 1 ? contenders : [], history };
}

/** Every line and channel the images name (current or in their history), sorted. */
export function channelLines(rows: readonly ImageRow[]): Array<{ line: string; channel: string }> {
  const pairs = new Map<string, { line: string; channel: string }>();
  const add = (line: string, channel: string) => pairs.set(`${channel}\u0000${line}`, { line, channel });
  for (const r of rows) {
    const line = lineOf(r.name);
    for (const c of currentChannels(r.tags)) add(line, c);
    for (const p of parsePromotions(r.tags[PROMOTED_TAG])) add(line, p.channel);
  }
  return [...pairs.values()].sort((a, b) => byCodeUnits(a.channel, b.channel) || byCodeUnits(a.line, b.line));
}

/** The images a channel points to in a region, one per line. */
export function channelHeads(region: string, rows: readonly ImageRow[], channel: string): ImageRow[] {
  return channelLines(rows.filter((r) => r.region === region))
    .filter((p) => p.channel === channel)
    .map((p) => channelIn(region, rows, channel, p.line).current)
    .filter((r): r is ImageRow => r !== undefined);
}
