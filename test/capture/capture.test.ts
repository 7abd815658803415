/** `sindri packer capture` end to end against the emulator. Needs `npm run build`. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { jsonResult } from '../helpers/cli.ts';
import { type CliSandbox, cliSandbox, seedImage, seedInstance } from '../lifecycle/helpers.ts';

let emu: Emulator;
let box: CliSandbox;

before(async () => {
  emu = await startEmulator();
  box = await cliSandbox(emu);
  await writeFile(
    join(box.cwd, 'sindri.yaml'),
    `providers:
  packer:
    image_name: golden
    tags:
      Team: platform
    alibaba:
      region: cn-hangzhou
      source_image: ubuntu_22_04_x64_20G_alibase_20240101.vhd
      image_copy_regions: [cn-shanghai]
`,
  );
});
after(async () => {
  await box.dispose();
  await emu.stop();
});

test('capture --stop: stopped, imaged, tagged, distributed; the same name again needs --force', async () => {
  const { image: base } = seedImage(emu, { region: 'cn-hangzhou', name: 'base' });
  const instance = seedInstance(emu, 'cn-hangzhou', base.id);
  const r = await box.run(['packer', 'capture', instance.id, '--name', 'golden-web', '--stop', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = jsonResult(r.stdout);
  assert.equal(out.stopped, true);
  assert.equal(emu.admin.world.status(instance), 'Stopped');
  const stops = emu.admin.requestLog({ action: 'StopInstance' });
  const creates = emu.admin.requestLog({ action: 'CreateImage' });
  assert.equal(stops.length, 1);
  assert.equal(creates.length, 1);
  assert.ok((stops[0]?.seq ?? 0) < (creates[0]?.seq ?? 0), 'stopped before imaging');
  assert.ok(creates[0]?.params.ClientToken, 'CreateImage carries a ClientToken');
  const img = emu.admin.world.get('image', 'cn-hangzhou', out.imageId);
  assert.ok(img);
  const tags = Object.fromEntries(img.tags);
  assert.equal(tags.ManagedBy, 'sindri');
  assert.equal(tags['sindri:build-id'], out.buildId);
  assert.equal(tags['sindri:captured-from'], instance.id);
  assert.equal(tags.Team, 'platform');
  // Distributed through the build's distribution: a copy in cn-shanghai with the same build ID.
  assert.equal(out.regions['cn-shanghai'].state, 'available');
  const copy = emu.admin.world.get('image', 'cn-shanghai', out.images['cn-shanghai']);
  assert.equal(copy ? Object.fromEntries(copy.tags)['sindri:build-id'] : undefined, out.buildId);

  const again = await box.run(['packer', 'capture', instance.id, '--name', 'golden-web', '--json']);
  assert.equal(again.code, 1);
  assert.equal(JSON.parse(again.stdout).error.code, 'ImageNameTaken');
  assert.equal(emu.admin.requestLog({ action: 'CreateImage' }).length, 1);

  // The image and its copy are shared, and a similar name (which the API's fuzzy name filter also
  // returns) must survive the replacement.
  img.shareAccounts.set('1234567890123456', Date.now());
  copy?.shareAccounts.set('2234567890123456', Date.now());
  const similar = seedImage(emu, { region: 'cn-hangzhou', name: 'golden-web-old' }).image;
  const forced = await box.run([
    'packer',
    'capture',
    instance.id,
    '--name',
    'golden-web',
    '--force',
    '--json',
  ]);
  assert.equal(forced.code, 0, forced.stderr);
  const f = jsonResult(forced.stdout);
  assert.deepEqual(f.replaced, [out.imageId, out.images['cn-shanghai']]);
  assert.deepEqual(f.unshared, [
    {
      region: 'cn-hangzhou',
      imageId: out.imageId,
      accounts: ['1234567890123456'],
      reason: 'replaced (--force)',
    },
    {
      region: 'cn-shanghai',
      imageId: out.images['cn-shanghai'],
      accounts: ['2234567890123456'],
      reason: 'replaced (--force)',
    },
  ]);
  assert.equal(f.regions['cn-shanghai'].state, 'available');
  assert.notEqual(f.imageId, out.imageId);
  assert.equal(emu.admin.world.status(similar), 'Available', 'a similar name is not replaced');
});

test('capture of an unknown instance fails with a clear error', async () => {
  const r = await box.run(['packer', 'capture', 'i-doesnotexist', '--json']);
  assert.equal(r.code, 1);
  assert.equal(JSON.parse(r.stdout).error.code, 'InvalidInstanceId.NotFound');
});
