// Found by the fault soak: a lost response to a mutation without a ClientToken failed the whole build.
// Such a call is not sent again blindly: an attribute change or a share is looked up (a second
// deprecation or share is not a no-op), a delete is sent again and "not found" then means done.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CloudClients, createClients, resolveCredentials } from '../../src/cloud/index.ts';
import { builtImage, type Harness, HOME_REGION, harness, run } from '../distribution/helpers.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';

describe('a lost response to a repeatable mutation', () => {
  let emu: Emulator;
  let h: Harness;
  let clients: CloudClients;

  before(async () => {
    emu = await startEmulator();
    h = await harness(emu);
    const credentials = await resolveCredentials({
      env: h.env,
      home: h.env.HOME as string,
      region: HOME_REGION,
    });
    clients = await createClients({
      credentials,
      region: HOME_REGION,
      env: h.env,
      retry: { baseDelayMs: 5 },
    });
  });
  after(async () => {
    await h.dispose();
    await emu.stop();
  });

  for (const action of ['ModifyImageAttribute', 'ModifyImageSharePermission', 'DeleteImage'] as const) {
    it(`${action} is sent again and succeeds`, async () => {
      const { image } = builtImage(emu, `lost-${action}`, `lost-${action.toLowerCase()}`);
      emu.admin.clearRequestLog();
      emu.admin.injectFault({ action, dropResponse: true, count: 1 });
      const request =
        action === 'ModifyImageAttribute'
          ? { regionId: HOME_REGION, imageId: image.id, imageName: `${image.name}-renamed` }
          : action === 'ModifyImageSharePermission'
            ? { regionId: HOME_REGION, imageId: image.id, addAccount: ['1234567890123456'] }
            : { regionId: HOME_REGION, imageId: image.id };
      await clients.call('ecs', action, request as never);
      const sent = emu.admin.requestLog({ action });
      if (action === 'DeleteImage') {
        // The repeat finds the image gone: the first send deleted it.
        assert.deepEqual(
          sent.map((e) => e.status),
          [0, 404],
        );
        assert.equal(emu.admin.world.list('image', HOME_REGION).filter((i) => i.id === image.id).length, 0);
      } else {
        assert.equal(sent.length, 1, 'looked up, not sent again');
        const lookUp = action === 'ModifyImageAttribute' ? 'DescribeImages' : 'DescribeImageSharePermission';
        assert.equal(emu.admin.requestLog({ action: lookUp }).length, 1);
      }
    });
  }

  it('an encrypted distribution survives a lost rename and a lost share', async () => {
    const { record } = builtImage(emu, 'lost-dist', 'lost-dist');
    emu.admin.injectFault({ action: 'ModifyImageAttribute', dropResponse: true, count: 1 });
    emu.admin.injectFault({ action: 'ModifyImageSharePermission', dropResponse: true, count: 1 });
    const done = await run(h, record, {
      copyRegions: ['cn-shanghai'],
      shareAccounts: ['1234567890123456'],
      encrypted: true,
      kmsKeyId: 'key-hzz62f1cb66fa42qo9vab',
    });
    assert.equal(done.status, 'done', JSON.stringify(done.regions));
    assert.equal(done.regions['cn-shanghai']?.state, 'available');
  });
});
