/** Retention: keep, ManagedBy, images in use, age limit; the plan is pure, the rest runs against the emulator. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import fc from 'fast-check';
import type { ImageRow } from '../../src/images/images.ts';
import { nameStem, planRetention, sameImageName } from '../../src/images/retention.ts';
import { summarize } from '../../src/pipeline/record-summary.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import type { Image } from '../emulator/state.ts';
import { seedImage, seedInstance, sindriTags } from '../lifecycle/helpers.ts';
import { builtImage, type Harness, HOME_REGION, harness, run } from './helpers.ts';

const DAY = 86_400_000;

let emu: Emulator;
let h: Harness;

before(async () => {
  emu = await startEmulator();
  h = await harness(emu);
});
after(async () => {
  await h.dispose();
  await emu.stop();
});
beforeEach(() => emu.admin.reset());

/** web-1 (oldest, 50 days) … web-5 (10 days), the foreign web-0, another name's web-gpu-1. */
function seedHistory(now: number) {
  const older = [1, 2, 3, 4, 5].map((n) =>
    seedImage(emu, {
      region: HOME_REGION,
      name: `web-${n}`,
      tags: sindriTags(`b-old-${n}`),
      createdAt: now - (60 - n * 10) * DAY,
    }),
  );
  const foreign = seedImage(emu, {
    region: HOME_REGION,
    name: 'web-0',
    tags: { Team: 'platform' },
    createdAt: now - 90 * DAY,
  });
  const other = seedImage(emu, {
    region: HOME_REGION,
    name: 'web-gpu-1',
    tags: sindriTags('b-gpu'),
    createdAt: now - 90 * DAY,
  });
  return { older: older.map((o) => o.image), foreign: foreign.image, other: other.image };
}

const status = (id: string) => {
  const img = emu.admin.world.get('image', HOME_REGION, id);
  return img ? emu.admin.world.status(img) : 'deleted';
};

describe('retention', () => {
  it('keep: 3 deprecates the older images of the name beyond the 3 newest, never an image in use or one sindri did not make', async () => {
    const now = Date.now();
    const { older, foreign, other } = seedHistory(now);
    const inUse = older[1] as { id: string }; // web-2
    seedInstance(emu, HOME_REGION, inUse.id);
    const { record } = builtImage(emu, 'b-new', 'web-6', now);
    const done = await run(h, record, { retention: { keep: 3 }, now });
    assert.equal(done.status, 'done');
    // New web-6 + web-5 + web-4 kept; web-3 and web-1 deprecated; web-2 in use, left alone.
    assert.deepEqual(
      older.map((i) => status(i.id)),
      ['Deprecated', 'Available', 'Deprecated', 'Available', 'Available'],
    );
    assert.equal(status(record.imageId as string), 'Available');
    assert.equal(status(foreign.id), 'Available');
    assert.equal(status(other.id), 'Available');
    const skipped = done.distribution?.retention?.actions.find((a) => a.imageId === inUse.id);
    assert.equal(skipped?.action, 'skip');
    assert.match(skipped?.reason ?? '', /used by instances/);
    const calls = emu.admin.requestLog({ action: 'ModifyImageAttribute' });
    assert.equal(calls.length, 2);
    assert.ok(calls.every((c) => c.params.Status === 'Deprecated'));

    // Running again deprecates nothing more.
    await run(h, record, { retention: { keep: 3 }, now });
    assert.equal(emu.admin.requestLog({ action: 'ModifyImageAttribute' }).length, 2);

    // --force includes the image in use.
    await run(h, record, { retention: { keep: 3 }, now, force: true });
    assert.equal(status(inUse.id), 'Deprecated');
  });

  it('delete_after_days deletes images beyond keep that are older than the limit, with their snapshots; in use stays, shared is unshared first', async () => {
    const now = Date.now();
    const { older, foreign } = seedHistory(now);
    seedInstance(emu, HOME_REGION, (older[0] as { id: string }).id); // web-1, 50 days, in use
    const shared = older[1] as { id: string; shareAccounts: Map<string, number> }; // web-2, 40 days
    shared.shareAccounts.set('1234567890123456', now);
    const snapshotsOfWeb3 = [...(older[2] as { snapshotIds: string[] }).snapshotIds];
    const { record } = builtImage(emu, 'b-new', 'web-6', now);
    const done = await run(h, record, { retention: { keep: 2, deleteAfterDays: 25 }, now });
    assert.equal(done.status, 'done');
    // keep 2: web-6 (new) and web-5. web-4 (20 days) is deprecated; web-3 (30 days) and the shared
    // web-2 (40 days, unshared first) deleted; web-1 in use is not.
    assert.deepEqual(
      older.map((i) => status(i.id)),
      ['Available', 'deleted', 'deleted', 'Deprecated', 'Available'],
    );
    for (const id of snapshotsOfWeb3)
      assert.equal(emu.admin.world.get('snapshot', HOME_REGION, id), undefined);
    assert.equal(status(foreign.id), 'Available', 'not ManagedBy=sindri: untouched even at 90 days');
    const byName = Object.fromEntries((done.distribution?.retention?.actions ?? []).map((a) => [a.name, a]));
    assert.match(byName['web-1']?.reason ?? '', /used by instances/);
    assert.equal(byName['web-2']?.action, 'delete');
    assert.deepEqual(byName['web-2']?.unshared, ['1234567890123456']);
    assert.deepEqual(summarize(done, h.dir).unshared, [
      { region: HOME_REGION, imageId: shared.id, accounts: ['1234567890123456'], reason: 'deleted' },
    ]);
  });

  it('keep over shared older images: unshares them (10 accounts per call), then deprecates, and says so', async () => {
    const now = Date.now();
    const many = Array.from({ length: 12 }, (_, i) => String(4234567890123400 + i));
    const [web1, web2, web3] = [1, 2, 3].map(
      (n) =>
        seedImage(emu, {
          region: HOME_REGION,
          name: `web-${n}`,
          tags: sindriTags(`b-old-${n}`),
          createdAt: now - (10 - n) * DAY,
          sharedWith: n === 1 ? many : n === 2 ? ['1234567890123456'] : [],
        }).image,
    ) as [Image, Image, Image];
    const { record } = builtImage(emu, 'b-new', 'web-4', now);
    const lines: string[] = [];
    const done = await run(h, record, { retention: { keep: 2 }, now, onProgress: (l) => lines.push(l) });
    assert.equal(done.status, 'done');
    assert.deepEqual(
      [web1, web2, web3].map((i) => status(i.id)),
      ['Deprecated', 'Deprecated', 'Available'],
    );
    assert.deepEqual([web1.shareAccounts.size, web2.shareAccounts.size], [0, 0]);
    const removes = emu.admin
      .requestLog({ action: 'ModifyImageSharePermission' })
      .map((c) => Object.keys(c.params).filter((k) => k.startsWith('RemoveAccount.')).length);
    assert.deepEqual(removes.sort(), [1, 10, 2].sort());
    const actions = done.distribution?.retention?.actions ?? [];
    assert.deepEqual(actions.find((a) => a.imageId === web1.id)?.unshared?.sort(), [...many].sort());
    assert.ok(
      lines.some((l) => l.includes(`${web1.id} (web-1) is no longer shared with ${many[0]}`)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => l.startsWith(`${HOME_REGION}: deprecated ${web2.id}`)),
      lines.join('\n'),
    );
    const unshared = summarize(done, h.dir).unshared ?? [];
    assert.deepEqual(
      unshared.map((u) => [u.imageId, u.accounts.length, u.reason]).sort(),
      [
        [web1.id, 12, 'deprecated'],
        [web2.id, 1, 'deprecated'],
      ].sort(),
    );
  });

  it('a refused deprecation is a warning, never a failed build: the image stays as it was', async () => {
    const now = Date.now();
    const old = seedImage(emu, {
      region: HOME_REGION,
      name: 'web-1',
      tags: sindriTags('b-old-1'),
      createdAt: now - DAY,
    }).image;
    emu.admin.injectFault({ action: 'ModifyImageAttribute', code: 'Forbidden.RAM', count: 1 });
    const { record } = builtImage(emu, 'b-new', 'web-2', now);
    const lines: string[] = [];
    const done = await run(h, record, { retention: { keep: 1 }, now, onProgress: (l) => lines.push(l) });
    assert.equal(done.status, 'done');
    assert.equal(status(old.id), 'Available');
    const action = done.distribution?.retention?.actions[0];
    assert.equal(action?.action, 'deprecate');
    assert.notEqual(action?.done, true);
    assert.match(action?.error ?? '', /^Forbidden\.RAM \(may not call ecs:ModifyImageAttribute\)/);
    assert.deepEqual(summarize(done, h.dir).errors, []);
    assert.ok(
      lines.some((l) => /^warning: retention could not deprecate /.test(l)),
      lines.join('\n'),
    );
  });

  it('plans per name stem, newest first, the new image counting as one of keep', () => {
    assert.equal(nameStem('web-20260105'), 'web');
    assert.equal(nameStem('web-base-v2'), 'web-base');
    assert.equal(nameStem('web-base'), 'web-base');
    assert.ok(sameImageName('web-2.1.0', 'web-3'));
    assert.ok(!sameImageName('web-gpu-1', 'web-3'));
    const now = Date.UTC(2026, 5, 1);
    const row = (id: string, name: string, days: number, extra: Partial<ImageRow> = {}): ImageRow => ({
      imageId: id,
      name,
      region: HOME_REGION,
      status: 'Available',
      created: new Date(now - days * DAY).toISOString(),
      sizeGiB: 20,
      encrypted: false,
      sharedAccounts: [],
      configHash: undefined,
      buildId: `b-${id}`,
      sindriVersion: undefined,
      deprecated: false,
      isCopy: false,
      snapshotIds: [],
      tags: { ManagedBy: 'sindri' },
      ...extra,
    });
    const plan = planRetention(
      HOME_REGION,
      [
        { row: row('m-a', 'app-1', 3), inUse: false },
        { row: row('m-b', 'app-2', 2), inUse: false },
        { row: row('m-c', 'app-3', 1, { status: 'Deprecated' }), inUse: false },
        { row: row('m-new', 'app-4', 0), inUse: false },
      ],
      {
        imageName: 'app-4',
        buildId: 'b-m-new',
        exclude: new Set(['m-new']),
        policy: { keep: 2 },
        force: false,
        now,
      },
    );
    assert.deepEqual(
      plan.map((p) => [p.imageId, p.action]),
      [
        ['m-c', 'keep'],
        ['m-b', 'deprecate'],
        ['m-a', 'deprecate'],
      ],
    );
  });

  it('plans nothing it must not: never a foreign, excluded or in-use image (without --force); every shared one unshared first', () => {
    const now = Date.UTC(2026, 5, 1);
    const candidate = fc.record({
      id: fc.integer({ min: 0, max: 9999 }),
      days: fc.integer({ min: 0, max: 200 }),
      foreign: fc.boolean(),
      otherName: fc.boolean(),
      deprecated: fc.boolean(),
      inUse: fc.boolean(),
      shared: fc.subarray(['1234567890123456', '2234567890123456', '3234567890123456']),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(candidate, { selector: (c) => c.id, maxLength: 12 }),
        fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
        fc.boolean(),
        (cands, keep, deleteAfterDays, force) => {
          const rows = cands.map((c) => ({
            row: {
              imageId: `m-${c.id}`,
              name: c.otherName ? `api-${c.id}` : `web-${c.id}`,
              region: HOME_REGION,
              status: c.deprecated ? 'Deprecated' : 'Available',
              created: new Date(now - c.days * DAY).toISOString(),
              sizeGiB: 20,
              encrypted: false,
              sharedAccounts: c.deprecated ? [] : c.shared,
              configHash: undefined,
              buildId: `b-${c.id}`,
              sindriVersion: undefined,
              deprecated: c.deprecated,
              isCopy: false,
              snapshotIds: [],
              tags: (c.foreign ? { Team: 'web' } : { ManagedBy: 'sindri' }) as Record<string, string>,
            } satisfies ImageRow,
            inUse: c.inUse,
          }));
          const plan = planRetention(HOME_REGION, rows, {
            imageName: 'web-20260601',
            buildId: 'b-new',
            exclude: new Set(),
            policy: { keep, deleteAfterDays },
            force,
            now,
          });
          for (const a of plan) {
            const c = cands.find((x) => `m-${x.id}` === a.imageId);
            assert.ok(c && !c.foreign && !c.otherName, `${a.imageId} is not one of this name's own images`);
            if (a.action !== 'deprecate' && a.action !== 'delete') continue;
            assert.ok(force || !c.inUse, `${a.imageId} in use`);
            assert.deepEqual(a.sharedWith ?? [], c.deprecated ? [] : c.shared);
            if (a.action === 'delete') assert.ok(deleteAfterDays !== undefined && c.days > deleteAfterDays);
          }
          // The newest keep-1 of the name (the new image is the keep-th) are kept.
          const mine = cands
            .filter((c) => !c.foreign && !c.otherName)
            .sort((a, b) => a.days - b.days || `m-${a.id}`.localeCompare(`m-${b.id}`));
          for (const c of mine.slice(0, Math.max(0, (keep ?? 1) - 1)))
            assert.equal(plan.find((a) => a.imageId === `m-${c.id}`)?.action, 'keep');
        },
      ),
    );
  });
});
