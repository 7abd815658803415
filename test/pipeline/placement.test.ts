/**
 * The pure parts of placement and of the Cloud Assistant helper, as properties: how zones are ranked
 * from DescribeAvailableResource answers, which launch errors mean "try the next candidate", the Go
 * durations of build.ssh_timeout, and a check's stdout and stderr apart in one Cloud Assistant output.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CAPACITY_CODES, capacityCode, rankZones, type Stock } from '../../src/images/placement.ts';
import { separatedScript, splitOutput } from '../../src/images/remote-exec.ts';
import { goDurationMs } from '../../src/packer/cloud-assistant-env.ts';

const STOCKS: Stock[] = ['WithStock', 'ClosedWithStock', 'WithoutStock', 'ClosedWithoutStock', 'SoldOut'];

const zone = (zoneId: string, type: string, value: string, stock: Stock) => ({
  zoneId,
  availableResources: {
    availableResource: [
      {
        type,
        supportedResources: {
          supportedResource: [
            stock === 'SoldOut'
              ? { value, status: 'SoldOut', statusCategory: 'WithoutStock' }
              : { value, status: 'Available', statusCategory: stock },
          ],
        },
      },
    ],
  },
});

describe('rankZones', () => {
  const offers = fc.uniqueArray(
    fc.record({
      zoneId: fc.constantFrom('z-a', 'z-b', 'z-c', 'z-d', 'z-e', 'z-f'),
      type: fc.constantFrom(...STOCKS),
      disk: fc.constantFrom(...STOCKS, 'absent' as const),
    }),
    { selector: (o) => o.zoneId, maxLength: 6 },
  );

  it('keeps every zone, in stock first, short of stock next, and a zone is only as good as its disk', () => {
    fc.assert(
      fc.property(offers, (list) => {
        const types = list.map((o) => zone(o.zoneId, 'InstanceType', 'ecs.t', o.type));
        const disks = list
          .filter((o) => o.disk !== 'absent')
          .map((o) => zone(o.zoneId, 'SystemDisk', 'cloud_essd', o.disk as Stock));
        const ranked = rankZones('ecs.t', 'cloud_essd', types, disks);
        assert.deepEqual(ranked.map((z) => z.zoneId).sort(), list.map((o) => o.zoneId).sort());
        const usable = (s: Stock | 'absent') => s === 'WithStock' || s === 'ClosedWithStock';
        for (const r of ranked) {
          const o = list.find((x) => x.zoneId === r.zoneId);
          assert.ok(o);
          const expected = usable(o.disk) ? o.type : 'SoldOut';
          assert.equal(usable(r.stock), usable(expected), `${r.zoneId}: ${r.stock} for ${o.type}/${o.disk}`);
        }
        const order = ranked.map((r) =>
          r.stock === 'WithStock' ? 0 : r.stock === 'ClosedWithStock' ? 1 : 2,
        );
        assert.deepEqual(
          order,
          [...order].sort((a, b) => a - b),
        );
        // Among equals, the API's order.
        const within = (k: number) =>
          ranked.filter((_, i) => order[i] === k).map((r) => list.findIndex((o) => o.zoneId === r.zoneId));
        for (const k of [0, 1, 2])
          assert.deepEqual(
            within(k),
            [...within(k)].sort((a, b) => a - b),
          );
      }),
    );
  });

  it('another type or disk category than asked for does not count', () => {
    const ranked = rankZones(
      'ecs.t',
      'cloud_essd',
      [zone('z-a', 'InstanceType', 'ecs.other', 'WithStock')],
      [zone('z-a', 'SystemDisk', 'cloud_essd', 'WithStock')],
    );
    assert.deepEqual(ranked, [{ zoneId: 'z-a', stock: 'SoldOut' }]);
    const noDisk = rankZones(
      'ecs.t',
      'cloud_essd',
      [zone('z-a', 'InstanceType', 'ecs.t', 'WithStock')],
      [zone('z-a', 'SystemDisk', 'cloud_ssd', 'WithStock')],
    );
    assert.deepEqual(noDisk, [{ zoneId: 'z-a', stock: 'SoldOut' }]);
  });
});

describe('capacityCode', () => {
  it('finds each capacity code in any of packer error text around it, and nothing in other errors', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CAPACITY_CODES), fc.string(), fc.string(), (code, before, after) => {
        fc.pre(!CAPACITY_CODES.some((c) => `${before}${after}`.includes(c)));
        assert.equal(capacityCode(`${before}\nErrorCode: ${code}\n${after}`), code);
      }),
    );
    for (const other of [
      'Forbidden.RAM',
      'InvalidImageId.NotFound',
      'QuotaExceeded.Instance',
      'Throttling.User',
    ])
      assert.equal(capacityCode(`Error creating instance: SDK.ServerError\nErrorCode: ${other}`), undefined);
  });
});

describe('goDurationMs', () => {
  it('adds up Go duration units, and is 0 for text that is not one', () => {
    fc.assert(
      fc.property(fc.nat(99), fc.nat(59), fc.nat(59), (h, m, s) => {
        assert.equal(goDurationMs(`${h}h${m}m${s}s`), ((h * 60 + m) * 60 + s) * 1000);
      }),
    );
    assert.equal(goDurationMs('20m'), 1_200_000);
    assert.equal(goDurationMs('1.5s'), 1500);
    assert.equal(goDurationMs('250ms'), 250);
    for (const bad of ['', 'soon', '10', '5 m', 'm5']) assert.equal(goDurationMs(bad), 0, bad);
  });
});

describe('a check through Cloud Assistant', () => {
  it('gets its stdout and stderr back apart from the one output, whatever they hold', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (out, err) => {
        const marker = '--sindri-stderr-x--';
        fc.pre(!out.includes(marker) && !err.includes(marker));
        // What the agent returns for the wrapped script: stdout, the marker line, then stderr.
        assert.deepEqual(splitOutput(`${out}\n${marker}\n${err}`, marker), { stdout: out, stderr: err });
      }),
    );
  });

  it('the wrapped script, run by a real shell as the agent runs it, keeps its exit code and both streams', () => {
    const q = (t: string) => `'${t.replace(/'/g, `'\\''`)}'`;
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme-ascii' }),
        fc.string({ unit: 'grapheme-ascii' }),
        fc.integer({ min: 0, max: 125 }),
        (out, err, code) => {
          const marker = '--sindri-stderr-y--';
          fc.pre(!out.includes(marker) && !err.includes(marker));
          const script = `printf %s ${q(out)}; printf %s ${q(err)} >&2; exit ${code}`;
          // The agent's Output: stdout and stderr of the command together.
          const r = spawnSync('sh', ['-c', `(${separatedScript(script, marker)}) 2>&1`], {
            encoding: 'utf8',
          });
          assert.equal(r.status, code);
          assert.deepEqual(splitOutput(r.stdout, marker), { stdout: out, stderr: err });
        },
      ),
      { numRuns: 40 },
    );
  });
});
