import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { judgeRegionOffline, KNOWN_REGIONS, unknownRegions } from '../../src/cloud/regions.ts';
import { zoneInRegion } from '../../src/config/region-rules.ts';

describe('the offline region rule', () => {
  it('knows every listed region, and tells typos, new regions and non-regions apart', () => {
    for (const r of KNOWN_REGIONS) assert.deepEqual(judgeRegionOffline(r), { kind: 'known' });
    assert.deepEqual(judgeRegionOffline('cn-shangai'), { kind: 'typo', suggestion: 'cn-shanghai' });
    assert.deepEqual(judgeRegionOffline('eu-centrl-1'), { kind: 'typo', suggestion: 'eu-central-1' });
    // Another number of a known family, or a new city, may be a region this list does not have yet.
    assert.deepEqual(judgeRegionOffline('ap-southeast-9'), { kind: 'unlisted' });
    assert.deepEqual(judgeRegionOffline('cn-xian'), { kind: 'unlisted' });
    assert.deepEqual(judgeRegionOffline('mars-north-1'), { kind: 'implausible' });
  });

  it('a suggestion is always a listed region, whatever is typed (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (typed) => {
        const v = judgeRegionOffline(typed);
        if (v.kind === 'typo') assert.ok(KNOWN_REGIONS.includes(v.suggestion), v.suggestion);
        if (v.kind === 'known') assert.ok(KNOWN_REGIONS.includes(typed));
      }),
      { numRuns: 2000 },
    );
  });

  it('DescribeRegions decides online: what the account lacks is unknown, with the closest it has', () => {
    assert.deepEqual(
      unknownRegions(
        ['cn-hangzhou', 'cn-shangai', 'cn-qingdao', 'cn-shangai'],
        ['cn-hangzhou', 'cn-shanghai'],
      ),
      [{ region: 'cn-shangai', suggestion: 'cn-shanghai' }, { region: 'cn-qingdao' }],
    );
  });

  it('a zone belongs to its region only (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KNOWN_REGIONS), fc.constantFrom(...'abcdefghijk'), (region, letter) => {
        assert.ok(zoneInRegion(`${region}-${letter}`, region));
        // A zone of a region whose name merely starts with the same letters is not in it.
        assert.equal(zoneInRegion(`${region}x-${letter}`, region), false);
      }),
    );
    assert.ok(zoneInRegion('ap-southeast-1a', 'ap-southeast-1'));
    assert.equal(zoneInRegion('cn-hangzhou-h', 'cn-hangzho'), false);
  });
});
