/**
 * The emulator's ExportImage, DescribeTasks and DescribeTaskAttribute against their API references:
 * the real error codes and statuses, OSSPrefix, the objects' real names, ImageFormat by region.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { type CloudClients, createClients } from '../../src/cloud/clients.ts';
import { CloudError } from '../../src/cloud/errors.ts';
import {
  type Emulator,
  EXPORT_ROLE,
  ROOT_ACCESS_KEY_ID,
  ROOT_ACCESS_KEY_SECRET,
  ROOT_ACCOUNT_ID,
  startEmulator,
} from '../emulator/index.ts';
import { seedImage } from '../lifecycle/helpers.ts';

let emu: Emulator;
const BUCKET = 'sindri-exports';

before(async () => {
  emu = await startEmulator();
});
after(() => emu.stop());
beforeEach(() => {
  emu.admin.reset();
  emu.oss.reset();
  emu.admin.seedAccount({ accountId: ROOT_ACCOUNT_ID, roles: [{ roleName: EXPORT_ROLE }] });
  emu.oss.createBucket(BUCKET);
  emu.oss.setExportSize(1024);
});

function clients(region = 'cn-hangzhou'): Promise<CloudClients> {
  return createClients({
    credentials: { accessKeyId: ROOT_ACCESS_KEY_ID, accessKeySecret: ROOT_ACCESS_KEY_SECRET, source: 'test' },
    region,
    env: { SINDRI_ENDPOINT: emu.url },
    retry: { maxAttempts: 1 },
  });
}

async function refusal(p: Promise<unknown>): Promise<[string, number | undefined]> {
  const err = await p.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof CloudError, String(err));
  return [err.code, err.statusCode];
}

test('ExportImage refuses with the codes of its API reference', async () => {
  const c = await clients();
  const { image } = seedImage(emu, { region: 'cn-hangzhou', name: 'golden' });
  const base = { regionId: 'cn-hangzhou', imageId: image.id, OSSBucket: BUCKET };
  for (const prefix of ['exports/', 'a'.repeat(31), 'with-dash'])
    assert.deepEqual(await refusal(c.call('ecs', 'ExportImage', { ...base, OSSPrefix: prefix })), [
      'InvalidOSSPrefix.Malformed',
      400,
    ]);
  assert.deepEqual(await refusal(c.call('ecs', 'ExportImage', { ...base, imageFormat: 'iso' })), [
    'InvalidImageFormat.Malformed',
    400,
  ]);
  assert.deepEqual(await refusal(c.call('ecs', 'ExportImage', { ...base, OSSBucket: 'no-such-bucket' })), [
    'InvalidOSSBucket.NotFound',
    400,
  ]);
  emu.oss.createBucket('beijing-bucket', { region: 'cn-beijing' });
  assert.deepEqual(await refusal(c.call('ecs', 'ExportImage', { ...base, OSSBucket: 'beijing-bucket' })), [
    'InvalidOSSBucket.NotFound',
    400,
  ]);
  assert.deepEqual(await refusal(c.call('ecs', 'ExportImage', { ...base, roleName: 'NoSuchRole' })), [
    'NoSetRoletoECSServiceAcount',
    403,
  ]);
  const creating = seedImage(emu, { region: 'cn-hangzhou', name: 'creating', status: 'Creating' }).image;
  assert.deepEqual(await refusal(c.call('ecs', 'ExportImage', { ...base, imageId: creating.id })), [
    'IncorrectImageStatus',
    400,
  ]);
  const wide = seedImage(emu, { region: 'cn-hangzhou', name: 'wide', snapshots: 6 }).image;
  assert.deepEqual(await refusal(c.call('ecs', 'ExportImage', { ...base, imageId: wide.id })), [
    'InvalidImage.DiskAmountOrSize',
    400,
  ]);
  assert.deepEqual(await refusal(c.call('ecs', 'ExportImage', { ...base, imageId: 'm-nonexistent' })), [
    'InvalidImageId.NotFound',
    404,
  ]);
  // One export of an image at a time.
  emu.admin.setTimeScale(1);
  await c.call('ecs', 'ExportImage', { ...base, OSSPrefix: 'first' });
  assert.deepEqual(await refusal(c.call('ecs', 'ExportImage', { ...base, OSSPrefix: 'second' })), [
    'ImageIsExporting',
    403,
  ]);
});

test('objects are <prefix>_<imageId>_system.raw.tar.gz and _data_xvdb…; ImageFormat only where honoured', async () => {
  const hz = await clients();
  const { image } = seedImage(emu, { region: 'cn-hangzhou', name: 'golden', snapshots: 2 });
  const started = await hz.call('ecs', 'ExportImage', {
    regionId: 'cn-hangzhou',
    imageId: image.id,
    OSSBucket: BUCKET,
    OSSPrefix: 'golden',
    imageFormat: 'qcow2',
  });
  assert.deepEqual(emu.oss.keys(BUCKET), [
    `golden_${image.id}_data_xvdb.raw.tar.gz`,
    `golden_${image.id}_system.raw.tar.gz`,
  ]);
  const attr = await hz.call('ecs', 'DescribeTaskAttribute', {
    regionId: 'cn-hangzhou',
    taskId: started.taskId,
  });
  assert.deepEqual(
    attr.operationProgressSet?.operationProgress?.[0]?.relatedItemSet?.relatedItem?.map((i) => [
      i.name,
      i.value,
    ]),
    [
      ['OSSBucket', BUCKET],
      ['OSSObject', `golden_${image.id}_system.raw.tar.gz`],
      ['ImageFormat', 'raw'],
    ],
  );

  const sg = await clients('ap-southeast-1');
  emu.oss.createBucket('sg-exports', { region: 'ap-southeast-1' });
  const sgImage = seedImage(emu, { region: 'ap-southeast-1', name: 'golden' }).image;
  await sg.call('ecs', 'ExportImage', {
    regionId: 'ap-southeast-1',
    imageId: sgImage.id,
    OSSBucket: 'sg-exports',
    imageFormat: 'qcow2',
  });
  assert.deepEqual(emu.oss.keys('sg-exports'), [`${sgImage.id}_system.qcow2`]);
});

test('DescribeTasks filters by ResourceIds and StartTime; DescribeTaskAttribute of no task is InvalidTaskId.NotFound (400)', async () => {
  const c = await clients();
  const a = seedImage(emu, { region: 'cn-hangzhou', name: 'a' }).image;
  const b = seedImage(emu, { region: 'cn-hangzhou', name: 'b' }).image;
  const base = { regionId: 'cn-hangzhou', OSSBucket: BUCKET };
  const first = await c.call('ecs', 'ExportImage', { ...base, imageId: a.id });
  emu.admin.advanceTime(10 * 60_000);
  const between = new Date(emu.admin.world.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const second = await c.call('ecs', 'ExportImage', { ...base, imageId: b.id });
  const ids = async (req: Record<string, unknown>) =>
    (
      await c.call('ecs', 'DescribeTasks', { regionId: 'cn-hangzhou', taskAction: 'ExportImage', ...req })
    ).taskSet?.task?.map((t) => t.taskId);
  assert.deepEqual((await ids({}))?.sort(), [first.taskId, second.taskId].sort());
  assert.deepEqual(await ids({ resourceIds: [a.id] }), [first.taskId]);
  assert.deepEqual(await ids({ startTime: between }), [second.taskId]);
  assert.deepEqual(await ids({ startTime: between, resourceIds: [a.id] }), []);
  assert.deepEqual(
    await refusal(c.call('ecs', 'DescribeTasks', { regionId: 'cn-hangzhou', startTime: 'yesterday' })),
    ['InvalidParameter', 400],
  );
  assert.deepEqual(
    await refusal(c.call('ecs', 'DescribeTaskAttribute', { regionId: 'cn-hangzhou', taskId: 't-nope' })),
    ['InvalidTaskId.NotFound', 400],
  );
});
