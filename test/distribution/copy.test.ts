/** Parallel copies, per-region failure, interruption and resume, against the emulator with timed copies. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import {
  builtImage,
  copiesIn,
  FIVE_REGIONS,
  type Harness,
  HOME_REGION,
  harness,
  reload,
  run,
} from './helpers.ts';

/** The simulated time of one copy. */
const T = 500;

let emu: Emulator;
let h: Harness;

before(async () => {
  emu = await startEmulator({ timeScale: 1, delays: { imageCopy: T / 1000 } });
  h = await harness(emu);
});
after(async () => {
  await h.dispose();
  await emu.stop();
});
beforeEach(() => {
  emu.admin.reset();
  emu.admin.setTimeScale(1);
  emu.admin.setDelays({ imageCopy: T / 1000 });
});

describe('distribution: copies', () => {
  it('copies to 5 regions in parallel in under 1.5 T, tagged, named, each waited on until Available', async () => {
    // A longer copy here, so that a loaded machine's scheduling noise stays small against 0.5 T.
    const copyT = 4 * T;
    emu.admin.setDelays({ imageCopy: copyT / 1000 });
    const { image, record } = builtImage(emu, 'b-parallel');
    const started = performance.now();
    const done = await run(h, record, { copyRegions: FIVE_REGIONS });
    const wall = performance.now() - started;
    assert.ok(wall < 1.5 * copyT, `took ${Math.round(wall)} ms for copies of ${copyT} ms`);
    assert.ok(wall >= copyT, `cannot finish before one copy does (${Math.round(wall)} ms)`);
    assert.equal(done.status, 'done');
    for (const region of FIVE_REGIONS) {
      const entry = done.regions[region];
      assert.equal(entry?.state, 'available', region);
      const copies = copiesIn(emu, region, 'b-parallel');
      assert.equal(copies.length, 1, region);
      const copy = copies[0];
      assert.equal(copy?.id, entry?.imageId);
      assert.equal(emu.admin.world.status(copy as never), 'Available');
      assert.equal(copy?.name, 'web-base');
      assert.equal(copy?.tags.get('ManagedBy'), 'sindri');
      assert.equal(copy?.tags.get('Team'), 'platform');
      assert.equal(copy?.tags.get('sindri:source-image'), image.id);
      assert.ok((entry?.polls ?? 99) <= 4, `${region}: ${entry?.polls} polls`);
    }
    // Every CopyImage carried a ClientToken.
    const copyCalls = emu.admin.requestLog({ action: 'CopyImage' });
    assert.equal(copyCalls.length, 5);
    assert.ok(copyCalls.every((c) => /^sindri-/.test(c.params.ClientToken ?? '')));
    const saved = await reload(h);
    assert.equal(saved.status, 'done');
  });

  it('a failed region does not stop the others; the record says which failed and a re-run copies it again', async () => {
    const { record } = builtImage(emu, 'b-fail');
    emu.admin.world.copyFailures.add('cn-beijing');
    const first = await run(h, record, { copyRegions: ['cn-shanghai', 'cn-beijing', 'cn-shenzhen'] });
    assert.equal(first.status, 'failed');
    assert.equal(first.regions['cn-shanghai']?.state, 'available');
    assert.equal(first.regions['cn-shenzhen']?.state, 'available');
    assert.equal(first.regions['cn-beijing']?.state, 'failed');
    assert.match(first.regions['cn-beijing']?.error ?? '', /CreateFailed/);

    emu.admin.world.copyFailures.clear();
    const copyCallsBefore = emu.admin.requestLog({ action: 'CopyImage' }).length;
    const again = await run(h, await reload(h), {
      copyRegions: ['cn-shanghai', 'cn-beijing', 'cn-shenzhen'],
    });
    assert.equal(again.status, 'done');
    // Only the failed region was copied again; its failed copy was removed.
    assert.equal(emu.admin.requestLog({ action: 'CopyImage' }).length - copyCallsBefore, 1);
    for (const region of ['cn-shanghai', 'cn-beijing', 'cn-shenzhen'])
      assert.equal(copiesIn(emu, region, 'b-fail').length, 1, region);
  });

  it('interrupted half-way, then resumed: every region ends with exactly one copy', async () => {
    const { record } = builtImage(emu, 'b-resume');
    const controller = new AbortController();
    // Two copies in flight at a time: the abort comes while two are copying and three have not started.
    const interrupted = run(h, record, {
      copyRegions: FIVE_REGIONS,
      concurrency: 2,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('SIGINT')), T / 2);
    await assert.rejects(interrupted, (err: Error & { code?: string }) => err.code === 'Interrupted');
    const saved = await reload(h);
    const states = FIVE_REGIONS.map((r) => saved.regions[r]?.state);
    assert.equal(states.filter((s) => s === 'copying').length, 2, states.join());
    assert.equal(states.filter((s) => s === 'pending').length, 3, states.join());

    const resumed = await run(h, saved, { copyRegions: FIVE_REGIONS });
    assert.equal(resumed.status, 'done');
    for (const region of FIVE_REGIONS) {
      assert.equal(copiesIn(emu, region, 'b-resume').length, 1, region);
      assert.equal(resumed.regions[region]?.state, 'available');
    }
    assert.equal(emu.admin.requestLog({ action: 'CopyImage' }).length, 5);

    // A third run has nothing to do.
    const third = await run(h, await reload(h), { copyRegions: FIVE_REGIONS });
    assert.equal(third.status, 'done');
    assert.equal(emu.admin.requestLog({ action: 'CopyImage' }).length, 5);
  });

  it('a copy whose response was lost is found again (by tag, then by ClientToken), never copied twice', async () => {
    const { record } = builtImage(emu, 'b-lost');
    emu.admin.injectFault({ action: 'CopyImage', dropResponse: true, count: 1 });
    const first = await run(h, record, { copyRegions: ['cn-shanghai'] });
    // The client's own retry with the same ClientToken may already recover; either way one copy exists.
    const entry = (await reload(h)).regions['cn-shanghai'];
    assert.ok(entry?.clientToken || entry?.state === 'available');
    const second = await run(h, await reload(h), { copyRegions: ['cn-shanghai'] });
    assert.equal(second.regions['cn-shanghai']?.state, 'available');
    assert.equal(copiesIn(emu, 'cn-shanghai', 'b-lost').length, 1);
    assert.ok(first.regions['cn-shanghai']);
    assert.equal(copiesIn(emu, HOME_REGION, 'b-lost').length, 0);
  });
});
