/** Retention: keep, ManagedBy, images in use, age limit; the plan is pure, the rest runs against the emulator. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { ImageRow } from '../../src/images/images.ts';
import { nameStem, planRetention, sameImageName } from '../../src/images/retention.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';
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

  it('delete_after_days deletes images beyond keep that are older than the limit, with their snapshots; in use or shared stays', async () => {
    const now = Date.now();
    const { older, foreign } = seedHistory(now);
    seedInstance(emu, HOME_REGION, (older[0] as { id: string }).id); // web-1, 50 days, in use
    const shared = older[1] as { id: string; shareAccounts: Map<string, number> }; // web-2, 40 days
    shared.shareAccounts.set('1234567890123456', now);
    const snapshotsOfWeb3 = [...(older[2] as { snapshotIds: string[] }).snapshotIds];
    const { record } = builtImage(emu, 'b-new', 'web-6', now);
    const done = await run(h, record, { retention: { keep: 2, deleteAfterDays: 25 }, now });
    assert.equal(done.status, 'done');
    // keep 2: web-6 (new) and web-5. web-4 (20 days) is deprecated; web-3 (30 days) deleted;
    // web-2 shared and web-1 in use are not deleted.
    assert.deepEqual(
      older.map((i) => status(i.id)),
      ['Available', 'Available', 'deleted', 'Deprecated', 'Available'],
    );
    for (const id of snapshotsOfWeb3)
      assert.equal(emu.admin.world.get('snapshot', HOME_REGION, id), undefined);
    assert.equal(status(foreign.id), 'Available', 'not ManagedBy=sindri: untouched even at 90 days');
    const reasons = Object.fromEntries(
      (done.distribution?.retention?.actions ?? []).map((a) => [a.name, a.reason]),
    );
    assert.match(reasons['web-1'] ?? '', /used by instances/);
    assert.match(reasons['web-2'] ?? '', /shared/);
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
});
