/**
 * The image rules of the real API, through the official SDK against the emulator: deprecating,
 * sharing, copying, deleting, tags and name lookups answer with the codes and statuses of the ECS
 * API reference (docs/emulator.md, fidelity table).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type SeedImageSpec, seedImage, seedInstance, sindriTags } from '../lifecycle/helpers.ts';
import {
  type Emulator,
  ROOT_ACCESS_KEY_ID,
  ROOT_ACCESS_KEY_SECRET,
  ROOT_ACCOUNT_ID,
  SECOND_ACCESS_KEY_ID,
  SECOND_ACCESS_KEY_SECRET,
  SECOND_ACCOUNT_ID,
  startEmulator,
} from './index.ts';
import { $Ecs, type Clients, sdkClients, sdkError } from './sdk.ts';

const REGION = 'cn-hangzhou';
const A = '1234567890123456';
let emu: Emulator;
let c: Clients;
let other: Clients;

before(async () => {
  emu = await startEmulator();
  c = sdkClients(emu.endpoint, { accessKeyId: ROOT_ACCESS_KEY_ID, accessKeySecret: ROOT_ACCESS_KEY_SECRET });
  other = sdkClients(emu.endpoint, {
    accessKeyId: SECOND_ACCESS_KEY_ID,
    accessKeySecret: SECOND_ACCESS_KEY_SECRET,
  });
});
after(async () => {
  await emu.stop();
});
beforeEach(() => emu.admin.reset());

const image = (name = 'web-1', extra: Partial<SeedImageSpec> = {}) =>
  seedImage(emu, { region: REGION, name, ...extra }).image;
const share = (imageId: string, add: string[] = [], remove: string[] = []) =>
  c.ecs.modifyImageSharePermission(
    new $Ecs.ModifyImageSharePermissionRequest({
      regionId: REGION,
      imageId,
      ...(add.length > 0 ? { addAccount: add } : {}),
      ...(remove.length > 0 ? { removeAccount: remove } : {}),
    }),
  );
const setStatus = (imageId: string, status: string) =>
  c.ecs.modifyImageAttribute(new $Ecs.ModifyImageAttributeRequest({ regionId: REGION, imageId, status }));
const copy = (imageId: string, extra: Record<string, unknown> = {}, client = c) =>
  client.ecs.copyImage(
    new $Ecs.CopyImageRequest({ regionId: REGION, imageId, destinationRegionId: 'cn-shanghai', ...extra }),
  );
const remove = (imageId: string, force = false) =>
  c.ecs.deleteImage(new $Ecs.DeleteImageRequest({ regionId: REGION, imageId, force }));
const accounts = (m: { shareAccounts: Map<string, number> }) => [...m.shareAccounts.keys()].sort();

describe('deprecation', () => {
  it('a shared image cannot be deprecated (ImageUseShared, 403); unshared it can, and restored', async () => {
    const img = image('web-1', { sharedWith: [A] });
    const refused = await sdkError(setStatus(img.id, 'Deprecated'));
    assert.deepEqual([refused.code, refused.statusCode], ['ImageUseShared', 403]);
    assert.equal(emu.admin.world.status(img), 'Available');
    await share(img.id, [], [A]);
    await setStatus(img.id, 'Deprecated');
    assert.equal(emu.admin.world.status(img), 'Deprecated');
    const twice = await sdkError(setStatus(img.id, 'Deprecated'));
    assert.deepEqual([twice.code, twice.statusCode], ['ImageStatus.NotAvailable', 403]);
    await setStatus(img.id, 'Available');
    const notDeprecated = await sdkError(setStatus(img.id, 'Available'));
    assert.deepEqual([notDeprecated.code, notDeprecated.statusCode], ['ImageStatus.NotDeprecated', 403]);
  });

  it('a deprecated image cannot be shared (OperationDenied.InvalidImageStatus) or copied (IncorrectImageStatus, 400)', async () => {
    const img = image('web-1', { status: 'Deprecated' });
    const shared = await sdkError(share(img.id, [A]));
    assert.deepEqual([shared.code, shared.statusCode], ['OperationDenied.InvalidImageStatus', 403]);
    const copied = await sdkError(copy(img.id));
    assert.deepEqual([copied.code, copied.statusCode], ['IncorrectImageStatus', 400]);
    assert.deepEqual(accounts(img), []);
    assert.equal(emu.admin.liveResources('cn-shanghai').images.length, 0);
  });

  it('a deprecated image is listed only when asked for (or with Status=ALL)', async () => {
    const img = image('web-1', { status: 'Deprecated' });
    const list = async (status?: string) =>
      (
        await c.ecs.describeImages(
          new $Ecs.DescribeImagesRequest({
            regionId: REGION,
            imageOwnerAlias: 'self',
            ...(status ? { status } : {}),
          }),
        )
      ).body?.images?.image?.map((i) => i.imageId);
    assert.deepEqual(await list(), []);
    assert.deepEqual(await list('Deprecated'), [img.id]);
    assert.deepEqual(await list('ALL'), [img.id]);
  });
});

describe('DeleteImage', () => {
  it('Force overrides instances using the image, never a share (ImageUseShared, 403)', async () => {
    const used = image('web-used');
    seedInstance(emu, REGION, used.id);
    const inUse = await sdkError(remove(used.id));
    assert.deepEqual([inUse.code, inUse.statusCode], ['ImageUsingByInstance', 403]);
    await remove(used.id, true);
    assert.equal(emu.admin.world.get('image', REGION, used.id), undefined);

    const shared = image('web-shared', { sharedWith: [A] });
    for (const force of [false, true]) {
      const refused = await sdkError(remove(shared.id, force));
      assert.deepEqual([refused.code, refused.statusCode], ['ImageUseShared', 403], `Force=${force}`);
    }
    await share(shared.id, [], [A]);
    await remove(shared.id);
    assert.equal(emu.admin.world.get('image', REGION, shared.id), undefined);
  });

  it('a copy still in progress is refused with OperationDenied.ImageCopying (403)', async () => {
    const img = image();
    emu.admin.setTimeScale(1);
    emu.admin.setDelays({ imageCopy: 100 });
    const id = (await copy(img.id)).body?.imageId ?? '';
    const refused = await sdkError(
      c.ecs.deleteImage(new $Ecs.DeleteImageRequest({ regionId: 'cn-shanghai', imageId: id, force: true })),
    );
    assert.deepEqual([refused.code, refused.statusCode], ['OperationDenied.ImageCopying', 403]);
  });
});

describe('ModifyImageSharePermission', () => {
  it('processes the first 10 accounts of a call and ignores the rest', async () => {
    const img = image();
    const twelve = Array.from({ length: 12 }, (_, i) => String(4234567890123400 + i));
    await share(img.id, twelve);
    assert.deepEqual(accounts(img), twelve.slice(0, 10));
    await share(img.id, [], twelve);
    assert.deepEqual(accounts(img), []);
  });

  it('at most 50 accounts per image (QuotaExceed.ShareImageUser, 403), changing nothing when refused', async () => {
    const img = image();
    const fifty = Array.from({ length: 50 }, (_, i) => String(4234567890123400 + i));
    for (let i = 0; i < 50; i += 10) await share(img.id, fifty.slice(i, i + 10));
    const refused = await sdkError(share(img.id, [A]));
    assert.deepEqual([refused.code, refused.statusCode], ['QuotaExceed.ShareImageUser', 403]);
    assert.equal(img.shareAccounts.size, 50);
    assert.ok(!img.shareAccounts.has(A));
  });

  it('unknown accounts (InvalidAccount.NotFound, 404), the owner itself (InvalidAccount.Forbbiden, 404)', async () => {
    const img = image();
    const unknown = await sdkError(share(img.id, ['12345']));
    assert.deepEqual([unknown.code, unknown.statusCode], ['InvalidAccount.NotFound', 404]);
    const self = await sdkError(share(img.id, [ROOT_ACCOUNT_ID]));
    assert.deepEqual([self.code, self.statusCode], ['InvalidAccount.Forbbiden', 404]);
  });

  it('an image encrypted with the service key cannot be shared; one on a customer key can', async () => {
    const plain = image();
    const encrypt = async (kms?: string) => {
      const id =
        (
          await c.ecs.copyImage(
            new $Ecs.CopyImageRequest({
              regionId: REGION,
              imageId: plain.id,
              destinationRegionId: REGION,
              destinationImageName: `enc-${kms ?? 'service'}`,
              encrypted: true,
              ...(kms ? { KMSKeyId: kms } : {}),
            }),
          )
        ).body?.imageId ?? '';
      return id;
    };
    const serviceKey = await encrypt();
    const refused = await sdkError(share(serviceKey, [A]));
    assert.deepEqual(
      [refused.code, refused.statusCode],
      ['InvalidOperation.ServiceKeyEncryptedImageUnsupported', 403],
    );
    const cmk = await encrypt('key-hzz62f1cb66fa42qo9vab');
    await share(cmk, [A]);
    assert.deepEqual(
      accounts(emu.admin.world.get('image', REGION, cmk) as { shareAccounts: Map<string, number> }),
      [A],
    );
  });
});

describe('CopyImage', () => {
  it('answers with the codes of the API reference', async () => {
    const img = image();
    const region = await sdkError(copy(img.id, { destinationRegionId: 'mars-1' }));
    assert.deepEqual([region.code, region.statusCode], ['DestinationRegion.NotFound', 400]);
    const key = await sdkError(copy(img.id, { KMSKeyId: 'key-hzz62f1cb66fa42qo9vab' }));
    assert.deepEqual([key.code, key.statusCode], ['InvalidParameter.EncryptedIllegal', 400]);
    const same = await sdkError(copy(img.id, { destinationRegionId: REGION, destinationImageName: 'web-x' }));
    assert.deepEqual([same.code, same.statusCode], ['IncorrectDestinationRegion', 403]);
  });

  it('copies an image shared with the caller within its region only, and the copy is the caller’s without a family', async () => {
    const img = image('web-1', { sharedWith: [SECOND_ACCOUNT_ID] });
    img.imageFamily = 'web';
    const away = await sdkError(copy(img.id, {}, other));
    assert.deepEqual([away.code, away.statusCode], ['OperationDenied.SameRegionOnly', 403]);
    const id = (await copy(img.id, { destinationRegionId: REGION }, other)).body?.imageId ?? '';
    const made = emu.admin.world.get('image', REGION, id);
    assert.equal(made?.accountId, SECOND_ACCOUNT_ID);
    assert.equal(made?.imageFamily, '');
  });
});

describe('tags: at most 20 per resource', () => {
  const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'v' }));

  it('CopyImage with 21 tags is refused (InvalidTagCount); with 20 the copy carries them', async () => {
    const img = image();
    const refused = await sdkError(copy(img.id, { tag: tags(21) }));
    assert.deepEqual([refused.code, refused.statusCode], ['InvalidTagCount', 400]);
    const id = (await copy(img.id, { tag: tags(20) })).body?.imageId ?? '';
    assert.equal(emu.admin.world.get('image', 'cn-shanghai', id)?.tags.size, 20);
  });

  it('TagResources past 20 on the resource is refused (OperationDenied.QuotaExceed) and changes nothing', async () => {
    const img = seedImage(emu, { region: REGION, name: 'web-1', tags: sindriTags('b-1') }).image;
    const before = new Map(img.tags);
    const refused = await sdkError(
      c.ecs.tagResources(
        new $Ecs.TagResourcesRequest({
          regionId: REGION,
          resourceType: 'image',
          resourceId: [img.id],
          tag: tags(17).map((t) => new $Ecs.TagResourcesRequestTag(t)),
        }),
      ),
    );
    assert.deepEqual([refused.code, refused.statusCode], ['OperationDenied.QuotaExceed', 400]);
    assert.deepEqual(img.tags, before);
    const many = await sdkError(
      c.ecs.tagResources(
        new $Ecs.TagResourcesRequest({
          regionId: REGION,
          resourceType: 'image',
          resourceId: [img.id],
          tag: tags(21).map((t) => new $Ecs.TagResourcesRequestTag(t)),
        }),
      ),
    );
    assert.deepEqual([many.code, many.statusCode], ['NumberExceed.Tags', 400]);
  });
});

describe('DescribeImages ImageName', () => {
  it('is a fuzzy match: every image whose name contains it, in any case', async () => {
    const web = image('web');
    const webBase = image('web-base');
    const myWeb = image('MyWeb-2');
    image('api');
    const body = (
      await c.ecs.describeImages(
        new $Ecs.DescribeImagesRequest({ regionId: REGION, imageOwnerAlias: 'self', imageName: 'web' }),
      )
    ).body;
    assert.deepEqual(
      body?.images?.image?.map((i) => i.imageId).sort(),
      [web.id, webBase.id, myWeb.id].sort(),
    );
  });
});
