/** Encryption (build region and copies carry the KMS key, the intermediate goes) and verified, idempotent sharing. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import type { Image } from '../emulator/state.ts';
import { builtImage, copiesIn, type Harness, HOME_REGION, harness, reload, run } from './helpers.ts';

const KMS = 'key-hzz62f1cb66fa42qo9vab';
const A = '1234567890123456';
const B = '2234567890123456';
const C = '3234567890123456';

let emu: Emulator;
let h: Harness;

before(async () => {
  emu = await startEmulator({ timeScale: 1, delays: { imageCopy: 0.2 } });
  h = await harness(emu);
});
after(async () => {
  await h.dispose();
  await emu.stop();
});
beforeEach(() => {
  emu.admin.reset();
  emu.admin.setTimeScale(1);
  emu.admin.setDelays({ imageCopy: 0.2 });
});

function snapshotKeys(image: Image): Array<{ encrypted: boolean; kms: string }> {
  return image.snapshotIds.map((id) => {
    const s = emu.admin.world.get('snapshot', image.regionId, id);
    return { encrypted: s?.encrypted === true, kms: s?.kmsKeyId ?? '?' };
  });
}

describe('distribution: encryption', () => {
  it("uses each region's own KMS key where one is given, and kms_key_id elsewhere", async () => {
    const { record } = builtImage(emu, 'b-enc-keys');
    const keys = { [HOME_REGION]: 'key-home0000000000000001', 'cn-shanghai': 'key-shanghai000000000002' };
    const done = await run(h, record, {
      copyRegions: ['cn-shanghai', 'cn-beijing'],
      encrypted: true,
      kmsKeyId: KMS,
      kmsKeyIds: keys,
    });
    assert.equal(done.status, 'done');
    const expected: Record<string, string> = { ...keys, 'cn-beijing': KMS };
    for (const [region, key] of Object.entries(expected)) {
      const copy = copiesIn(emu, region, 'b-enc-keys')[0] as Image;
      assert.deepEqual(
        snapshotKeys(copy),
        copy.snapshotIds.map(() => ({ encrypted: true, kms: key })),
        region,
      );
      assert.equal(done.regions[region]?.kmsKeyId, key, region);
    }
  });

  it('encrypts in the build region and every copy region with the KMS key and removes the unencrypted intermediate', async () => {
    const { image, record } = builtImage(emu, 'b-enc');
    const intermediateSnapshots = [...image.snapshotIds];
    const done = await run(h, record, {
      copyRegions: ['cn-shanghai', 'cn-beijing'],
      encrypted: true,
      kmsKeyId: KMS,
    });
    assert.equal(done.status, 'done');
    // The build region's image is now the encrypted copy, under the configured name.
    const home = done.regions[HOME_REGION];
    assert.equal(home?.state, 'available');
    assert.equal(done.imageId, home?.imageId);
    assert.notEqual(done.imageId, image.id);
    assert.equal(done.distribution?.sourceDeleted, true);
    assert.equal(emu.admin.world.get('image', HOME_REGION, image.id), undefined, 'intermediate deleted');
    for (const id of intermediateSnapshots)
      assert.equal(emu.admin.world.get('snapshot', HOME_REGION, id), undefined, 'its snapshots too');
    for (const region of [HOME_REGION, 'cn-shanghai', 'cn-beijing']) {
      const copies = copiesIn(emu, region, 'b-enc');
      assert.equal(copies.length, 1, region);
      const copy = copies[0] as Image;
      assert.equal(copy.name, 'web-base', region);
      assert.equal(copy.encrypted, true, region);
      assert.deepEqual(
        snapshotKeys(copy),
        copy.snapshotIds.map(() => ({ encrypted: true, kms: KMS })),
      );
      assert.equal(done.regions[region]?.kmsKeyId, KMS);
    }
    // All three copies ran at once, from the intermediate.
    const calls = emu.admin.requestLog({ action: 'CopyImage' });
    assert.equal(calls.length, 3);
    assert.ok(
      calls.every(
        (c) => c.params.Encrypted === 'true' && c.params.KMSKeyId === KMS && c.params.ImageId === image.id,
      ),
    );
    // Through the API as well: DescribeImages reports the disks as encrypted.
    const described = await h.clients.call('ecs', 'DescribeImages', {
      regionId: 'cn-shanghai',
      imageId: done.regions['cn-shanghai']?.imageId as string,
    });
    const mappings = described.images?.image?.[0]?.diskDeviceMappings?.diskDeviceMapping ?? [];
    assert.ok(mappings.length > 0 && mappings.every((m) => String(m.encrypted) === 'true'));

    // Running again changes nothing.
    const again = await run(h, await reload(h), {
      copyRegions: ['cn-shanghai', 'cn-beijing'],
      encrypted: true,
      kmsKeyId: KMS,
    });
    assert.equal(again.status, 'done');
    assert.equal(emu.admin.requestLog({ action: 'CopyImage' }).length, 3);
  });

  it('keeps the intermediate while a copy region fails, and removes it once a re-run succeeds', async () => {
    const { image, record } = builtImage(emu, 'b-enc-fail');
    emu.admin.world.copyFailures.add('cn-beijing');
    const first = await run(h, record, { copyRegions: ['cn-beijing'], encrypted: true, kmsKeyId: KMS });
    assert.equal(first.status, 'failed');
    assert.ok(emu.admin.world.get('image', HOME_REGION, image.id), 'intermediate kept for the resume');
    assert.match(first.distribution?.sourceKept ?? '', /until every copy succeeds/);
    emu.admin.world.copyFailures.clear();
    const second = await run(h, await reload(h), {
      copyRegions: ['cn-beijing'],
      encrypted: true,
      kmsKeyId: KMS,
    });
    assert.equal(second.status, 'done');
    assert.equal(emu.admin.world.get('image', HOME_REGION, image.id), undefined);
    assert.equal(copiesIn(emu, HOME_REGION, 'b-enc-fail').length, 1);
    assert.equal(copiesIn(emu, 'cn-beijing', 'b-enc-fail').length, 1);
  });
});

describe('distribution: sharing', () => {
  it('shares in every region the image lives in, verifies, is idempotent, and prunes only when asked', async () => {
    const { image, record } = builtImage(emu, 'b-share');
    const accounts = [A, B];
    const done = await run(h, record, { copyRegions: ['cn-shanghai'], shareAccounts: accounts });
    assert.equal(done.status, 'done');
    const copy = copiesIn(emu, 'cn-shanghai', 'b-share')[0] as Image;
    for (const img of [image, copy]) assert.deepEqual([...img.shareAccounts.keys()].sort(), accounts);
    assert.deepEqual(done.distribution?.shares?.[HOME_REGION]?.accounts, accounts);
    assert.deepEqual(done.distribution?.shares?.['cn-shanghai']?.accounts, accounts);
    const modifies = emu.admin.requestLog({ action: 'ModifyImageSharePermission' }).length;
    assert.equal(modifies, 2);

    // Again: nothing to change, still verified.
    await run(h, await reload(h), { copyRegions: ['cn-shanghai'], shareAccounts: accounts });
    assert.equal(emu.admin.requestLog({ action: 'ModifyImageSharePermission' }).length, modifies);

    // B leaves the list, C joins: without pruning B stays; with --prune-shares it goes.
    await run(h, await reload(h), { copyRegions: ['cn-shanghai'], shareAccounts: [A, C] });
    assert.deepEqual([...image.shareAccounts.keys()].sort(), [A, B, C]);
    const pruned = await run(h, await reload(h), {
      copyRegions: ['cn-shanghai'],
      shareAccounts: [A, C],
      pruneShares: true,
    });
    for (const img of [image, copy]) assert.deepEqual([...img.shareAccounts.keys()].sort(), [A, C]);
    assert.deepEqual(pruned.distribution?.shares?.['cn-shanghai']?.removed, [B]);
  });

  it('shares with more than 10 accounts in batches of 10', async () => {
    const { image, record } = builtImage(emu, 'b-many');
    const many = Array.from({ length: 23 }, (_, i) => String(4234567890123400 + i));
    const done = await run(h, record, { shareAccounts: many });
    assert.equal(done.status, 'done');
    assert.equal(image.shareAccounts.size, 23);
    assert.equal(emu.admin.requestLog({ action: 'ModifyImageSharePermission' }).length, 3);
  });

  it('a share that fails is reported with the real code and makes the distribution fail', async () => {
    const { record } = builtImage(emu, 'b-badshare');
    const done = await run(h, record, { shareAccounts: ['not-an-account'] });
    assert.equal(done.status, 'failed');
    assert.match(done.distribution?.shares?.[HOME_REGION]?.error ?? '', /^InvalidAccount\.NotFound: /);
  });
});
