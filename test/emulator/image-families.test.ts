/**
 * Image families through the official SDK against the emulator: the name rules of CreateImage and
 * ModifyImageAttribute, the per-family limit, and DescribeImageFromFamily's newest Available image
 * (docs/emulator.md, fidelity table).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import fc from 'fast-check';
import { loadSchema } from '../../src/config/schema.ts';
import { seedImage } from '../lifecycle/helpers.ts';
import { MAX_IMAGES_PER_FAMILY, validateImageFamily } from './ecs/image-rules.ts';
import { type Emulator, ROOT_ACCESS_KEY_ID, ROOT_ACCESS_KEY_SECRET, startEmulator } from './index.ts';
import { $Ecs, type Clients, sdkClients, sdkError } from './sdk.ts';

const REGION = 'cn-hangzhou';
let emu: Emulator;
let c: Clients;

before(async () => {
  emu = await startEmulator();
  c = sdkClients(emu.endpoint, { accessKeyId: ROOT_ACCESS_KEY_ID, accessKeySecret: ROOT_ACCESS_KEY_SECRET });
});
after(() => emu.stop());
beforeEach(() => emu.admin.reset());

const setFamily = (imageId: string, imageFamily: string) =>
  c.ecs.modifyImageAttribute(
    new $Ecs.ModifyImageAttributeRequest({ regionId: REGION, imageId, imageFamily }),
  );
const newest = async (imageFamily: string) =>
  (
    await c.ecs.describeImageFromFamily(
      new $Ecs.DescribeImageFromFamilyRequest({ regionId: REGION, imageFamily }),
    )
  ).body?.image;

describe('image families', () => {
  it('DescribeImageFromFamily answers with the newest Available image, skipping deprecated ones', async () => {
    const t0 = emu.admin.world.now() - 3_600_000;
    const ids = [0, 1, 2].map(
      (i) => seedImage(emu, { region: REGION, name: `web-${i}`, createdAt: t0 + i * 60_000 }).image.id,
    );
    for (const id of ids) await setFamily(id, 'web');
    assert.equal((await newest('web'))?.imageId, ids[2]);
    assert.equal((await newest('web'))?.imageFamily, 'web');
    // Deprecating the newest rolls the family back to the one before.
    await c.ecs.modifyImageAttribute(
      new $Ecs.ModifyImageAttributeRequest({ regionId: REGION, imageId: ids[2], status: 'Deprecated' }),
    );
    assert.equal((await newest('web'))?.imageId, ids[1]);
    assert.equal((await newest('nothing-here'))?.imageId, undefined, 'an empty Image for an empty family');
  });

  it('finds the public images of a system family', async () => {
    const img = await newest('acs:ubuntu_22_04_x64');
    assert.equal(img?.imageOwnerAlias, 'system');
    assert.match(img?.imageId ?? '', /^ubuntu_22_04/);
  });

  it('refuses a malformed family name with InvalidImageFamily.Malformed, as sindri’s own check does', async () => {
    const id = seedImage(emu, { region: REGION, name: 'web-1' }).image.id;
    for (const bad of ['acs:web', 'aliyun-web', 'w', '1web', 'web http://x', 'web/1']) {
      const err = await sdkError(setFamily(id, bad));
      assert.deepEqual([err.code, err.statusCode], ['InvalidImageFamily.Malformed', 400], bad);
    }
    await setFamily(id, 'web.v2:prod_1-a');
    assert.equal(emu.admin.world.get('image', REGION, id)?.imageFamily, 'web.v2:prod_1-a');
    // Every family sindri.yaml accepts (providers.packer.image_family), both calls accept.
    const schema = loadSchema() as {
      properties: {
        providers: { properties: { packer: { properties: { image_family: { pattern: string } } } } };
      };
    };
    const accepted = new RegExp(
      schema.properties.providers.properties.packer.properties.image_family.pattern,
      'u',
    );
    const chars = fc.constantFrom(...'aAzZ09._:-/ 中'.split(''), 'acs:', 'aliyun', 'http://');
    fc.assert(
      fc.property(fc.array(chars, { minLength: 2, maxLength: 40 }), (parts) => {
        const name = parts.join('');
        if (!accepted.test(name) || name.length > 128) return;
        assert.doesNotThrow(() => validateImageFamily(name, true), name);
        if (!name.includes('.')) assert.doesNotThrow(() => validateImageFamily(name, false), name);
      }),
      { numRuns: 3000 },
    );
  });

  it(`a family holds at most ${MAX_IMAGES_PER_FAMILY} images (ImageQuotaFull.ImageFamily)`, async () => {
    const images = Array.from(
      { length: MAX_IMAGES_PER_FAMILY + 1 },
      (_, i) => seedImage(emu, { region: REGION, name: `fam-${i}` }).image,
    );
    for (const image of images.slice(0, -1)) image.imageFamily = 'full';
    const ids = images.map((i) => i.id);
    const err = await sdkError(setFamily(ids.at(-1) as string, 'full'));
    assert.deepEqual([err.code, err.statusCode], ['ImageQuotaFull.ImageFamily', 400]);
    // An image already in the family may be modified again.
    await setFamily(ids[0] as string, 'full');
  });
});
