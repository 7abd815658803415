/**
 * The distribution against the rules of the real cloud (as the emulator enforces them): a service-key
 * image cannot be shared, at most 50 accounts per image, a deprecated image is neither copied nor
 * shared, and a copy carries at most 20 tags.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SindriError } from '../../src/errors.ts';
import { distributionFailure } from '../../src/pipeline/outcome.ts';
import { summarize } from '../../src/pipeline/record-summary.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { seedImage, sindriTags } from '../lifecycle/helpers.ts';
import { builtImage, copiesIn, type Harness, HOME_REGION, harness, run } from './helpers.ts';

const A = '1234567890123456';
const KMS = 'key-hzz62f1cb66fa42qo9vab';

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

const shareCalls = () => emu.admin.requestLog({ action: 'ModifyImageSharePermission' });

describe('distribution under the cloud’s image rules', () => {
  it('copies encrypted with the service key are refused sharing (the real code, and its fix); with a KMS key they are shared', async () => {
    const { record } = builtImage(emu, 'b-svc');
    const done = await run(h, record, {
      copyRegions: ['cn-shanghai'],
      encrypted: true,
      shareAccounts: [A],
    });
    assert.equal(done.status, 'failed');
    for (const region of [HOME_REGION, 'cn-shanghai'])
      assert.match(
        done.distribution?.shares?.[region]?.error ?? '',
        /^InvalidOperation\.ServiceKeyEncryptedImageUnsupported: /,
        region,
      );
    for (const region of [HOME_REGION, 'cn-shanghai'])
      assert.equal(copiesIn(emu, region, 'b-svc')[0]?.shareAccounts.size, 0);
    const failure = distributionFailure(summarize(done, h.dir), {});
    assert.ok(
      failure?.actions.some((a) => /customer master key: set kms_key_id/.test(a)),
      failure?.message,
    );

    emu.admin.reset();
    const withKey = builtImage(emu, 'b-cmk');
    const shared = await run(h, withKey.record, {
      copyRegions: ['cn-shanghai'],
      encrypted: true,
      kmsKeyId: KMS,
      shareAccounts: [A],
    });
    assert.equal(shared.status, 'done');
    for (const region of [HOME_REGION, 'cn-shanghai'])
      assert.deepEqual([...(copiesIn(emu, region, 'b-cmk')[0]?.shareAccounts.keys() ?? [])], [A]);
  });

  it('more than 50 accounts is refused before any call (QuotaExceed.ShareImageUser)', async () => {
    const { image, record } = builtImage(emu, 'b-51');
    const many = Array.from({ length: 51 }, (_, i) => String(4234567890123400 + i));
    const done = await run(h, record, { shareAccounts: many });
    assert.equal(done.status, 'failed');
    assert.match(done.distribution?.shares?.[HOME_REGION]?.error ?? '', /^QuotaExceed\.ShareImageUser: .*51/);
    assert.equal(shareCalls().length, 0);
    assert.equal(image.shareAccounts.size, 0);
  });

  it('sharing with the owner itself is refused with InvalidAccount.Forbbiden', async () => {
    const { record } = builtImage(emu, 'b-self');
    const done = await run(h, record, { shareAccounts: ['1000000000000001'] });
    assert.equal(done.status, 'failed');
    assert.match(done.distribution?.shares?.[HOME_REGION]?.error ?? '', /^InvalidAccount\.Forbbiden: /);
  });

  it('a deprecated image is not distributed: ImageDeprecated, with the way to restore it, and no copy made', async () => {
    const { image, record } = builtImage(emu, 'b-dep');
    image.timeline.push({ at: emu.admin.world.now(), status: 'Deprecated' });
    assert.equal(emu.admin.world.status(image), 'Deprecated');
    const err = await run(h, record, { copyRegions: ['cn-shanghai'], shareAccounts: [A] }).then(
      () => assert.fail('expected ImageDeprecated'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SindriError);
    assert.equal(err.code, 'ImageDeprecated');
    assert.match(err.actions.join(' '), /Status Available/);
    assert.equal(emu.admin.requestLog({ action: 'CopyImage' }).length, 0);
    assert.equal(shareCalls().length, 0);
  });

  it('a copy that would carry more than 20 tags fails its region before CopyImage, saying which tags to remove', async () => {
    const tags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`team${i}`, 'web']));
    const { image } = seedImage(emu, {
      region: HOME_REGION,
      name: 'web-base',
      tags: sindriTags('b-tags', tags),
    });
    const { record } = builtImage(emu, 'b-tags');
    record.imageId = image.id;
    const done = await run(h, record, { copyRegions: ['cn-shanghai'], tags: {} });
    assert.equal(done.status, 'failed');
    assert.match(
      done.regions['cn-shanghai']?.error ?? '',
      /would carry 21 tags \(5 of them sindri's own\); .* remove 1 tag\(s\) from providers\.packer\.tags/,
    );
    assert.equal(emu.admin.requestLog({ action: 'CopyImage' }).length, 0);
  });
});
