/** `sindri packer delete` against the emulator: prompts over stdin, refusals, copies, idempotency. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { runDelete } from '../../src/lifecycle/delete.ts';
import { type Emulator, SECOND_ACCOUNT_ID, startEmulator } from '../emulator/index.ts';
import { jsonResult, STACK_TRACE } from '../helpers/cli.ts';
import { type CliSandbox, cliSandbox, seedImage, seedInstance, sindriTags } from './helpers.ts';

let emu: Emulator;
let box: CliSandbox;

before(async () => {
  emu = await startEmulator();
  box = await cliSandbox(emu);
});
after(async () => {
  await box.dispose();
  await emu.stop();
});
beforeEach(() => emu.admin.reset());

const live = () => emu.admin.liveResources();
const imageIds = () => live().images.map((i) => i.id);
const snapshotIds = () => live().snapshots.map((s) => s.id);
const deleteCalls = () => emu.admin.requestLog({ action: 'DeleteImage' }).length;

describe('sindri packer delete', () => {
  it('asks on stdin: "y" deletes the image and then its snapshots', async () => {
    const { image, snapshots } = seedImage(emu, { region: 'cn-hangzhou', name: 'sindri-a', snapshots: 2 });
    const keep = seedImage(emu, { region: 'cn-hangzhou', name: 'sindri-b' });
    const res = await box.run(['packer', 'delete', image.id], { input: 'y\n' });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, new RegExp(`${image.id}  sindri-a  cn-hangzhou`));
    assert.match(res.stderr, /Delete 1 image\(s\) and 2 snapshot\(s\)\? \[y\/N\]/);
    assert.match(res.stdout, new RegExp(`deleted ${image.id} \\(cn-hangzhou\\) and 2 snapshot`));
    assert.deepEqual(imageIds(), [keep.image.id]);
    assert.deepEqual(
      snapshotIds(),
      keep.snapshots.map((s) => s.id),
    );
    // Image first, then its snapshots.
    const order = emu.admin.log.filter((e) => e.action === 'DeleteImage' || e.action === 'DeleteSnapshot');
    assert.deepEqual(
      order.map((e) => e.action),
      ['DeleteImage', 'DeleteSnapshot', 'DeleteSnapshot'],
    );
    assert.deepEqual(
      order.slice(1).map((e) => e.params.SnapshotId),
      snapshots.map((s) => s.id),
    );
  });

  it('asks on stdin: "n" deletes nothing (exit 1); no answer at all refuses with exit 2', async () => {
    const { image } = seedImage(emu, { region: 'cn-hangzhou', name: 'sindri-a' });
    const no = await box.run(['packer', 'delete', image.id], { input: 'n\n' });
    assert.equal(no.code, 1);
    assert.match(no.stderr, /Nothing was deleted/);
    const closed = await box.run(['packer', 'delete', image.id], { input: '' });
    assert.equal(closed.code, 2);
    assert.match(closed.stderr, /stdin ended without an answer/);
    assert.match(closed.stderr, /--yes/);
    assert.equal(deleteCalls(), 0);
    assert.deepEqual(imageIds(), [image.id]);
  });

  it('refuses an image that an instance in its region uses, unless --force', async () => {
    const { image, snapshots } = seedImage(emu, { region: 'cn-hangzhou', name: 'sindri-used' });
    const instance = seedInstance(emu, 'cn-hangzhou', image.id);
    for (const args of [[], ['--yes']]) {
      const res = await box.run(['packer', 'delete', image.id, ...args], { input: 'y\n' });
      assert.equal(res.code, 1, args.join(' '));
      assert.match(res.stderr, /Refusing to delete/);
      assert.match(res.stderr, new RegExp(`used by instance\\(s\\) ${instance.id}`));
      assert.match(res.stderr, /--force/);
      assert.doesNotMatch(res.stderr, STACK_TRACE);
    }
    const json = await box.run(['packer', 'delete', image.id, '--yes', '--json']);
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).error.code, 'ImageInUse');
    assert.equal(deleteCalls(), 0);
    assert.deepEqual(imageIds(), [image.id]);

    const forced = await box.run(['packer', 'delete', image.id, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(emu.admin.requestLog({ action: 'DeleteImage' })[0]?.params.Force, 'true');
    assert.deepEqual(imageIds(), []);
    assert.ok(!snapshotIds().includes(snapshots[0]?.id ?? ''));
  });

  it('refuses images sindri did not build, unless --force', async () => {
    const foreign = seedImage(emu, { region: 'cn-hangzhou', name: 'hand-made', tags: { team: 'web' } });
    const res = await box.run(['packer', 'delete', foreign.image.id, '--yes', '--json']);
    assert.equal(res.code, 1);
    const error = JSON.parse(res.stdout).error as { code: string; message: string };
    assert.equal(error.code, 'DeleteRefused');
    assert.match(error.message, new RegExp(`${foreign.image.id} \\(cn-hangzhou\\) was not built by sindri`));
    assert.equal(deleteCalls(), 0);
    const forced = await box.run(['packer', 'delete', foreign.image.id, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(imageIds(), []);
  });

  it('a shared image: the question names the accounts, then it is unshared (10 per call) and deleted', async () => {
    const many = Array.from({ length: 12 }, (_, i) => String(4234567890123400 + i));
    const shared = seedImage(emu, {
      region: 'cn-hangzhou',
      name: 'shared',
      sharedWith: [SECOND_ACCOUNT_ID, ...many],
    });
    const no = await box.run(['packer', 'delete', shared.image.id], { input: 'n\n' });
    assert.equal(no.code, 1);
    assert.match(
      no.stderr,
      new RegExp(`shared with ${SECOND_ACCOUNT_ID}, ${many[0]}.*: unshared first, they lose access`),
    );
    assert.match(no.stderr, /Delete 1 image\(s\) and 1 snapshot\(s\), unsharing them from 13 account\(s\)\?/);
    assert.equal(shared.image.shareAccounts.size, 13, 'nothing unshared without a yes');

    const res = await box.run(['packer', 'delete', shared.image.id, '--json'], { input: 'y\n' });
    assert.equal(res.code, 0, res.stderr);
    const out = jsonResult(res.stdout) as { images: Array<{ result: string; unshared: string[] }> };
    assert.equal(out.images[0]?.result, 'deleted');
    assert.deepEqual(out.images[0]?.unshared.sort(), [SECOND_ACCOUNT_ID, ...many].sort());
    assert.deepEqual(imageIds(), []);
    const removes = emu.admin
      .requestLog({ action: 'ModifyImageSharePermission' })
      .map((c) => Object.keys(c.params).filter((k) => k.startsWith('RemoveAccount.')).length);
    assert.deepEqual(removes, [10, 3]);
    // Unshared before DeleteImage, which refuses a shared image even with Force.
    const order = emu.admin.log
      .map((e) => e.action)
      .filter((a) => a === 'ModifyImageSharePermission' || a === 'DeleteImage');
    assert.deepEqual(order, ['ModifyImageSharePermission', 'ModifyImageSharePermission', 'DeleteImage']);
  });

  it('--force on a shared image in use: unshared first, deleted with Force, the accounts named', async () => {
    const shared = seedImage(emu, {
      region: 'cn-hangzhou',
      name: 'shared-used',
      sharedWith: [SECOND_ACCOUNT_ID],
    });
    seedInstance(emu, 'cn-hangzhou', shared.image.id);
    const res = await box.run(['packer', 'delete', shared.image.id, '--force']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`${shared.image.id} is no longer shared with ${SECOND_ACCOUNT_ID}`));
    assert.equal(emu.admin.requestLog({ action: 'DeleteImage' })[0]?.params.Force, 'true');
    assert.deepEqual(imageIds(), []);
  });

  it('a share added after the question is removed on ImageUseShared, and reported', async () => {
    const { image } = seedImage(emu, { region: 'cn-hangzhou', name: 'late-share' });
    const result = await runDelete({
      imageIds: [image.id],
      env: box.env,
      cwd: box.cwd,
      journalFile: join(box.home, 'journal.json'),
      // The share appears after the plan was made (which found none).
      confirm: async (plan) => {
        assert.deepEqual(plan.targets[0]?.sharedAccounts, []);
        image.shareAccounts.set(SECOND_ACCOUNT_ID, Date.now());
        return true;
      },
    });
    assert.deepEqual(result.images[0]?.unshared, [SECOND_ACCOUNT_ID]);
    assert.deepEqual(imageIds(), []);
    const deletes = emu.admin.requestLog({ action: 'DeleteImage' });
    assert.equal(deletes.length, 2, 'refused once (ImageUseShared), then deleted');
  });

  it('is idempotent: deleting a deleted image says so and exits 0; an unknown ID exits 1', async () => {
    const { image } = seedImage(emu, { region: 'cn-hangzhou', name: 'sindri-a' });
    const first = await box.run(['packer', 'delete', image.id, '--yes', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const out = jsonResult(first.stdout) as { images: Array<{ result: string; snapshotsDeleted: string[] }> };
    assert.equal(out.images[0]?.result, 'deleted');
    assert.equal(out.images[0]?.snapshotsDeleted.length, 1);

    const again = await box.run(['packer', 'delete', image.id]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`${image.id} \\(cn-hangzhou\\) was already deleted`));
    assert.doesNotMatch(again.stderr, /\[y\/N\]/);

    const unknown = await box.run(['packer', 'delete', 'm-bp1doesnotexist000']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No image m-bp1doesnotexist000 in cn-hangzhou owned by this account/);
    assert.match(unknown.stderr, /--all-regions/);
    assert.doesNotMatch(unknown.stderr, STACK_TRACE);
    const notAnId = await box.run(['packer', 'delete', 'ubuntu']);
    assert.equal(notAnId.code, 2);
  });

  it('finishes the snapshots an interrupted delete left behind', async () => {
    const { image, snapshots } = seedImage(emu, { region: 'cn-hangzhou', name: 'sindri-a', snapshots: 2 });
    emu.admin.injectFault({ action: 'DeleteSnapshot', code: 'Forbidden.RAM', count: 1 });
    const broken = await box.run(['packer', 'delete', image.id, '--yes']);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /Forbidden\.RAM/);
    assert.deepEqual(imageIds(), []);
    assert.equal(snapshotIds().length, 2);

    const again = await box.run(['packer', 'delete', image.id, '--json']);
    assert.equal(again.code, 0, again.stderr);
    const out = jsonResult(again.stdout) as { images: Array<{ result: string; snapshotsDeleted: string[] }> };
    assert.equal(out.images[0]?.result, 'already-deleted');
    assert.deepEqual(out.images[0]?.snapshotsDeleted.sort(), snapshots.map((s) => s.id).sort());
    assert.deepEqual(snapshotIds(), []);
  });

  it('--keep-snapshots deletes only the image', async () => {
    const { image, snapshots } = seedImage(emu, { region: 'cn-beijing', name: 'sindri-a', snapshots: 2 });
    const res = await box.run([
      'packer',
      'delete',
      image.id,
      '--region',
      'cn-beijing',
      '--keep-snapshots',
      '--yes',
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(imageIds(), []);
    assert.deepEqual(snapshotIds().sort(), snapshots.map((s) => s.id).sort());
    assert.equal(emu.admin.requestLog({ action: 'DeleteSnapshot' }).length, 0);
  });

  it('--all-regions finds the image anywhere and deletes the copies sharing its build ID', async () => {
    const tags = sindriTags('20250101-000000-abcdef');
    const source = seedImage(emu, { region: 'cn-shanghai', name: 'sindri-prod', tags });
    const copyA = seedImage(emu, { region: 'cn-beijing', name: 'sindri-prod', tags });
    const copyB = seedImage(emu, { region: 'ap-southeast-1', name: 'sindri-prod', tags });
    const other = seedImage(emu, {
      region: 'cn-beijing',
      name: 'sindri-prod-next',
      tags: sindriTags('20250102-000000-123456'),
    });

    // Without --all-regions, the default region (cn-hangzhou) does not have it.
    const miss = await box.run(['packer', 'delete', source.image.id, '--yes']);
    assert.equal(miss.code, 1);
    assert.match(miss.stderr, /No image .* in cn-hangzhou/);

    const res = await box.run(['packer', 'delete', source.image.id, '--all-regions'], { input: 'yes\n' });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /Delete 3 image\(s\) and 3 snapshot\(s\)\?/);
    assert.deepEqual(imageIds(), [other.image.id]);
    assert.deepEqual(
      snapshotIds(),
      other.snapshots.map((s) => s.id),
    );
    for (const img of [source, copyA, copyB]) assert.match(res.stdout, new RegExp(`deleted ${img.image.id}`));
  });

  it('refuses the whole --all-regions delete when one copy is in use', async () => {
    const tags = sindriTags('20250101-000000-abcdef');
    const source = seedImage(emu, { region: 'cn-hangzhou', name: 'sindri-prod', tags });
    const copy = seedImage(emu, { region: 'cn-beijing', name: 'sindri-prod', tags });
    const instance = seedInstance(emu, 'cn-beijing', copy.image.id);
    const res = await box.run(['packer', 'delete', source.image.id, '--all-regions', '--yes']);
    assert.equal(res.code, 1);
    assert.match(
      res.stderr,
      new RegExp(`${copy.image.id} \\(cn-beijing\\) is used by instance\\(s\\) ${instance.id}`),
    );
    assert.equal(deleteCalls(), 0);
    assert.equal(imageIds().length, 2);
  });
});
