/** `sindri packer distribute` (the built CLI) against the emulator: JSON result, resume, exit 1 on a failed region. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { jsonResult, STACK_TRACE } from '../helpers/cli.ts';
import { type CliSandbox, cliSandbox, seedImage, sindriTags } from '../lifecycle/helpers.ts';

let emu: Emulator;
let box: CliSandbox;

before(async () => {
  emu = await startEmulator();
  box = await cliSandbox(emu);
  await writeFile(
    join(box.cwd, 'sindri.yaml'),
    [
      'version: "1.0"',
      'name: web',
      'providers:',
      '  packer:',
      '    cloud: alibaba',
      '    image_name: web-2',
      '    alibaba:',
      '      region: cn-hangzhou',
      '      image_copy_regions: [cn-shanghai, cn-beijing]',
      '      image_share_accounts: ["1234567890123456"]',
      '    retention:',
      '      keep: 1',
      '    tags:',
      '      Team: platform',
      '',
    ].join('\n'),
  );
});
after(async () => {
  await box.dispose();
  await emu.stop();
});
beforeEach(() => emu.admin.reset());

interface Result {
  buildId: string;
  resumed: boolean;
  status: string;
  images: Record<string, string>;
  regions: Record<string, { state: string; imageId?: string; sharedWith?: string[]; error?: string }>;
  retention: Array<{ imageId: string; action: string }>;
}

describe('sindri packer distribute', () => {
  it('copies, shares and deprecates; a second run continues the same record and copies nothing again', async () => {
    const old = seedImage(emu, {
      region: 'cn-hangzhou',
      name: 'web-1',
      tags: sindriTags('b-1'),
      createdAt: Date.now() - 86_400_000,
    });
    const { image } = seedImage(emu, { region: 'cn-hangzhou', name: 'web-2', tags: sindriTags('b-2') });
    const res = await box.run(['packer', 'distribute', '--image', image.id, '--json']);
    assert.equal(res.code, 0, res.stderr);
    const out = jsonResult(res.stdout) as Result;
    assert.equal(out.buildId, 'b-2');
    assert.equal(out.resumed, false);
    assert.deepEqual(Object.keys(out.images).sort(), ['cn-beijing', 'cn-hangzhou', 'cn-shanghai']);
    for (const r of Object.values(out.regions)) assert.deepEqual(r.sharedWith, ['1234567890123456']);
    assert.deepEqual(
      out.retention.map((a) => [a.imageId, a.action]),
      [[old.image.id, 'deprecate']],
    );
    assert.equal(emu.admin.world.status(old.image), 'Deprecated');
    const copy = emu.admin.world.get('image', 'cn-shanghai', out.images['cn-shanghai'] as string);
    assert.equal(copy?.tags.get('sindri:build-id'), 'b-2');
    assert.equal(copy?.tags.get('Team'), 'platform');

    const again = await box.run(['packer', 'distribute', '--image', image.id, '--json']);
    assert.equal(again.code, 0, again.stderr);
    const second = jsonResult(again.stdout) as Result;
    assert.equal(second.resumed, true);
    assert.deepEqual(second.images, out.images);
    assert.equal(emu.admin.requestLog({ action: 'CopyImage' }).length, 2);
  });

  it('exits 1 naming the failed region, the others done; the re-run finishes it', async () => {
    const { image } = seedImage(emu, { region: 'cn-hangzhou', name: 'web-2', tags: sindriTags('b-3') });
    emu.admin.world.copyFailures.add('cn-beijing');
    const res = await box.run(['packer', 'distribute', '--image', image.id, '--json']);
    assert.equal(res.code, 1);
    const body = JSON.parse(res.stdout) as { error: { code: string; message: string }; result: Result };
    assert.equal(body.error.code, 'DistributionFailed');
    assert.match(body.error.message, /cn-beijing/);
    assert.equal(body.result.regions['cn-shanghai']?.state, 'available');
    assert.equal(body.result.regions['cn-beijing']?.state, 'failed');
    emu.admin.world.copyFailures.clear();
    const human = await box.run(['packer', 'distribute', '--image', image.id]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stderr, /continuing the distribution recorded for build b-3/);
    assert.match(human.stdout, /✓ cn-beijing m-/);
    assert.doesNotMatch(human.stderr, /✓ cn-beijing m-/);
    assert.doesNotMatch(human.stderr, STACK_TRACE);
  });
});
