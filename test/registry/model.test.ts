/** The registry's image model, pure: promotions in a tag, channels per region, builds, ancestry, descendants. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { baseTags, parseBase } from '../../src/images/ancestry.ts';
import {
  buildInRegion,
  CHANNEL_NAME,
  channelHeads,
  channelIn,
  channelLines,
  compactTime,
  expandTime,
  formatPromotions,
  parsePromotions,
} from '../../src/images/channels.ts';
import type { ImageRow } from '../../src/images/images.ts';
import { MAX_TAG_VALUE } from '../../src/images/tags.ts';
import { checkReason, descendantsOf } from '../../src/registry/revoke.ts';
import { parseTarget } from '../../src/registry/scope.ts';

function row(imageId: string, tags: Record<string, string> = {}, extra: Partial<ImageRow> = {}): ImageRow {
  return {
    imageId,
    name: `name-${imageId}`,
    region: 'cn-hangzhou',
    status: 'Available',
    created: '2026-01-05T10:00:00Z',
    sizeGiB: 20,
    encrypted: false,
    sharedAccounts: [],
    configHash: undefined,
    buildId: tags['sindri:build-id'],
    sindriVersion: undefined,
    deprecated: false,
    isCopy: false,
    snapshotIds: [],
    tags,
    ...extra,
  };
}

const channel = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,31}$/);
const time = fc
  .integer({ min: Date.parse('2020-01-01'), max: Date.parse('2040-01-01') })
  .map((t) => new Date(t).toISOString());

describe('promotions kept in one tag value', () => {
  it('round-trips, newest kept, never longer than a tag value', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ channel, at: time }).map((p) => ({ ...p })),
          { maxLength: 30 },
        ),
        (promotions) => {
          const value = formatPromotions(promotions);
          assert.ok(value.length <= MAX_TAG_VALUE, value);
          const back = parsePromotions(value);
          const sorted = [...promotions].sort((a, b) => a.at.localeCompare(b.at));
          assert.deepEqual(back, sorted.slice(sorted.length - back.length), 'the newest ones, oldest first');
          if (promotions.length > 0) assert.ok(back.length >= 1, 'the newest always fits');
        },
      ),
    );
  });

  it('times are compact and exact to the millisecond; what does not parse is skipped', () => {
    fc.assert(fc.property(time, (t) => assert.equal(expandTime(compactTime(t)), t)));
    assert.deepEqual(parsePromotions('prod@20260105T101010.123Z junk BAD@20260105T101010Z x@nottime'), [
      { channel: 'prod', at: '2026-01-05T10:10:10.123Z' },
    ]);
    assert.ok(CHANNEL_NAME.test('prod') && !CHANNEL_NAME.test('Prod') && !CHANNEL_NAME.test('-x'));
  });
});

describe('a channel in a region', () => {
  const promoted = (...entries: Array<[string, string]>) =>
    entries.map(([c, at]) => `${c}@${compactTime(at)}`).join(' ');

  it('is the image of its line holding its tag; of several, the one promoted last; never a revoked one', () => {
    const a = row(
      'm-a',
      { 'sindri:channel:prod': 'web', 'sindri:promoted': promoted(['prod', '2026-01-01T00:00:00Z']) },
      { name: 'web-1' },
    );
    const b = row(
      'm-b',
      {
        'sindri:channel:prod': 'web',
        'sindri:promoted': promoted(['prod', '2026-01-02T00:00:00Z'], ['staging', '2026-01-03T00:00:00Z']),
      },
      { name: 'web-2' },
    );
    const gone = row(
      'm-c',
      {
        'sindri:channel:prod': 'web',
        'sindri:revoked': '2026-01-04T00:00:00.000Z bad',
        'sindri:promoted': promoted(['prod', '2026-01-03T00:00:00Z']),
      },
      { name: 'web-20260103-120000' },
    );
    // Another line's prod, in the same region: a channel of its own.
    const api = row(
      'm-api',
      { 'sindri:channel:prod': 'api', 'sindri:promoted': promoted(['prod', '2026-01-05T00:00:00Z']) },
      { name: 'api-7' },
    );
    const rows = [a, b, gone, api];
    const view = channelIn('cn-hangzhou', rows, 'prod', 'web');
    assert.equal(view.current?.imageId, 'm-b');
    assert.deepEqual(
      view.contenders.map((r) => r.imageId),
      ['m-a', 'm-b'],
    );
    assert.deepEqual(
      view.history.map((h) => [h.imageId, h.revoked]),
      [
        ['m-c', true],
        ['m-b', false],
        ['m-a', false],
      ],
    );
    assert.equal(channelIn('cn-hangzhou', rows, 'prod', 'api').current?.imageId, 'm-api');
    assert.deepEqual(
      channelHeads('cn-hangzhou', rows, 'prod').map((r) => r.imageId),
      ['m-api', 'm-b'],
    );
    assert.equal(channelIn('cn-shanghai', rows, 'prod', 'web').current, undefined, 'per region');
    assert.deepEqual(channelLines(rows), [
      { line: 'api', channel: 'prod' },
      { line: 'web', channel: 'prod' },
      { line: 'web', channel: 'staging' },
    ]);
  });

  it("a build's image in a region is never the unencrypted intermediate its encrypted copy came from", () => {
    const intermediate = row('m-plain', { 'sindri:build-id': 'b1' }, { created: '2026-01-05T10:00:00Z' });
    const encrypted = row(
      'm-enc',
      { 'sindri:build-id': 'b1', 'sindri:source-image': 'm-plain' },
      { created: '2026-01-05T09:00:00Z' },
    );
    const failed = row(
      'm-bad',
      { 'sindri:build-id': 'b1' },
      { status: 'CreateFailed', created: '2026-01-06T00:00:00Z' },
    );
    const b = buildInRegion('cn-hangzhou', [intermediate, encrypted, failed, row('m-other')], 'b1');
    assert.equal(b.primary?.imageId, 'm-enc');
    assert.equal(b.all.length, 3);
  });
});

describe('ancestry', () => {
  it('the base tags round-trip and fit in a tag value', () => {
    const id = fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,100}$/);
    fc.assert(
      fc.property(
        id,
        fc.option(time, { nil: undefined }),
        fc.option(fc.stringMatching(/^[a-z][a-z0-9:_-]{1,60}$/), { nil: undefined }),
        fc.option(fc.stringMatching(/^\d{8}-\d{6}-[0-9a-f]{6}$/), { nil: undefined }),
        (imageId, created, family, parentBuild) => {
          const tags = baseTags({ imageId, created, family, parentBuild });
          for (const v of Object.values(tags)) assert.ok(v.length <= MAX_TAG_VALUE);
          const back = parseBase(tags);
          assert.equal(back?.imageId, imageId);
          assert.equal(back?.family, family);
          assert.equal(back?.parentBuild, parentBuild);
          if (`${imageId} ${created ?? '-'} ${parentBuild ?? ''}`.trim().length <= MAX_TAG_VALUE)
            assert.equal(back?.created, created);
        },
      ),
    );
  });

  it('descendants are found through images and through builds, transitively, each once', () => {
    const child = row('m-child', {
      'sindri:build-id': 'c1',
      'sindri:base': 'm-parent 2026-01-01T00:00:00Z p1',
    });
    const copyOfChild = row(
      'm-child-copy',
      { 'sindri:build-id': 'c1', 'sindri:base': 'm-parent 2026-01-01T00:00:00Z p1' },
      { region: 'cn-shanghai' },
    );
    const grandchild = row('m-grand', {
      'sindri:build-id': 'g1',
      'sindri:base': 'm-child 2026-01-02T00:00:00Z c1',
    });
    const byBuild = row('m-other', { 'sindri:build-id': 'o1', 'sindri:base': 'm-parent-copy - p1' });
    const unrelated = row('m-x', {
      'sindri:build-id': 'x1',
      'sindri:base': 'ubuntu.vhd 2024-01-30T00:00:00Z',
    });
    const found = descendantsOf(
      [unrelated, grandchild, byBuild, copyOfChild, child],
      new Set(['m-parent']),
      'p1',
    );
    assert.deepEqual(found.map((r) => r.imageId).sort(), ['m-child', 'm-child-copy', 'm-grand', 'm-other']);
  });
});

describe('the command line', () => {
  it('an image or a build; a reason that fits a tag', () => {
    assert.deepEqual(parseTarget('m-bp1abcdef'), { imageId: 'm-bp1abcdef' });
    assert.deepEqual(parseTarget('20260105-101010-abcdef'), { buildId: '20260105-101010-abcdef' });
    assert.throws(() => parseTarget('web-1'), /neither an image ID/);
    assert.equal(checkReason('  CVE-2026-1 '), 'CVE-2026-1');
    for (const bad of ['', 'x'.repeat(101), 'two\nlines', 'see https://example.com'])
      assert.throws(() => checkReason(bad), /--reason/);
  });
});
