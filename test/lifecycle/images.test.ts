/** Pure logic of listing: name patterns, ordering, page arithmetic and merging, the limiter. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareNewestFirst,
  type ImageRow,
  mergePages,
  nameMatcher,
  remainingPages,
  toImageRow,
} from '../../src/images/images.ts';
import { createLimiter, mapLimited } from '../../src/images/limit.ts';

function row(imageId: string, region: string, created: string): ImageRow {
  return toImageRow(region, { imageId, imageName: imageId, creationTime: created, status: 'Available' });
}

describe('nameMatcher', () => {
  it('matches a substring without wildcards, case-insensitively', () => {
    const m = nameMatcher('Production');
    assert.ok(m('sindri-production-2024'));
    assert.ok(!m('sindri-staging'));
  });
  it('matches globs against the whole name', () => {
    const m = nameMatcher('sindri-*-v?');
    assert.ok(m('sindri-base-v1'));
    assert.ok(!m('sindri-base-v10'));
    assert.ok(!m('x-sindri-base-v1'));
  });
  it('treats regular-expression characters literally', () => {
    assert.ok(nameMatcher('a.b*')('a.bc'));
    assert.ok(!nameMatcher('a.b*')('axbc'));
    assert.ok(nameMatcher('(x)+')('(x)+'));
  });
  it('matches everything when empty', () => {
    assert.ok(nameMatcher(undefined)('anything'));
    assert.ok(nameMatcher('')('anything'));
  });
});

describe('ordering and pages', () => {
  it('sorts newest first, then by region and ID; unparsable dates last', () => {
    const rows = [
      row('m-2', 'cn-b', '2025-01-01T00:00:00Z'),
      row('m-bad', 'cn-a', 'not a date'),
      row('m-3', 'cn-a', '2025-01-02T00:00:00Z'),
      row('m-1', 'cn-a', '2025-01-01T00:00:00Z'),
    ].sort(compareNewestFirst);
    assert.deepEqual(
      rows.map((r) => r.imageId),
      ['m-3', 'm-1', 'm-2', 'm-bad'],
    );
  });
  it('computes the pages after the first', () => {
    assert.deepEqual(remainingPages(0, 100), []);
    assert.deepEqual(remainingPages(100, 100), []);
    assert.deepEqual(remainingPages(101, 100), [2]);
    assert.deepEqual(remainingPages(390, 100), [2, 3, 4]);
  });
  it('merges pages, keeping an image that appears on two pages once', () => {
    const a = row('m-1', 'cn-a', '2025-01-01T00:00:00Z');
    const b = row('m-2', 'cn-a', '2025-01-03T00:00:00Z');
    const sameIdOtherRegion = row('m-1', 'cn-b', '2025-01-02T00:00:00Z');
    const merged = mergePages([[a, b], [b], [sameIdOtherRegion]]);
    assert.deepEqual(
      merged.map((r) => `${r.region}/${r.imageId}`),
      ['cn-a/m-2', 'cn-b/m-1', 'cn-a/m-1'],
    );
  });
  it('reads tags, encryption and snapshots from an SDK image', () => {
    const r = toImageRow('cn-a', {
      imageId: 'm-1',
      status: 'Deprecated',
      size: 40,
      diskDeviceMappings: {
        diskDeviceMapping: [
          { snapshotId: 's-1', encrypted: false },
          { snapshotId: 's-2', encrypted: 'true' },
        ],
      },
      tags: {
        tag: [
          { tagKey: 'ManagedBy', tagValue: 'sindri' },
          { tagKey: 'sindri:config-hash', tagValue: 'abc' },
        ],
      },
    });
    assert.equal(r.encrypted, true);
    assert.equal(r.deprecated, true);
    assert.deepEqual(r.snapshotIds, ['s-1', 's-2']);
    assert.equal(r.configHash, 'abc');
    assert.equal(r.sizeGiB, 40);
  });
});

describe('createLimiter', () => {
  it('never runs more than the bound at once and keeps result order', async () => {
    const limit = createLimiter(3);
    let active = 0;
    let peak = 0;
    const out = await mapLimited([...Array(20).keys()], limit, async (i) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, i % 3));
      active--;
      return i * 2;
    });
    assert.equal(peak, 3);
    assert.deepEqual(
      out,
      [...Array(20).keys()].map((i) => i * 2),
    );
  });
  it('releases the slot when a task fails', async () => {
    const limit = createLimiter(1);
    await assert.rejects(
      limit(async () => {
        throw new Error('boom');
      }),
    );
    assert.equal(await limit(async () => 'next'), 'next');
  });
  it('rejects a bound below one', () => {
    assert.throws(() => createLimiter(0), RangeError);
  });
});
