/** The real ali-oss client against the emulator's OSS: signatures, listing, ranges, multipart, resumable download. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import OSS from 'ali-oss';
import { downloadObject } from '../../src/transfer/download.ts';
import { partPaths } from '../../src/transfer/download-part-file.ts';
import { createOssClient, type OssClient } from '../../src/transfer/oss-client.ts';
import {
  type Emulator,
  ROOT_ACCESS_KEY_ID,
  ROOT_ACCESS_KEY_SECRET,
  startEmulator,
} from '../emulator/index.ts';

let emu: Emulator;
let oss: OssClient;
const BUCKET = 'sindri-exports';
const credentials = { accessKeyId: ROOT_ACCESS_KEY_ID, accessKeySecret: ROOT_ACCESS_KEY_SECRET };
const fast = { baseDelayMs: 10, maxDelayMs: 20 };

before(async () => {
  emu = await startEmulator();
  emu.oss.createBucket(BUCKET);
  oss = await createOssClient({ credentials, region: 'cn-hangzhou', env: { SINDRI_ENDPOINT: emu.url } });
});
after(() => emu.stop());

const tmp = () => mkdtempSync(join(tmpdir(), 'sindri-dl-'));

test('put, head and delete through ali-oss; OSS reports MD5 ETag and CRC-64', async () => {
  const data = Buffer.from('golden image bytes');
  const put = await oss.put(BUCKET, 'dir/a b+c.txt', data);
  assert.equal(put.etag, createHash('md5').update(data).digest('hex').toUpperCase());
  const head = await oss.head(BUCKET, 'dir/a b+c.txt');
  assert.equal(head.size, data.length);
  assert.equal(head.crc64, put.crc64);
  assert.equal(head.objectType, 'Normal');
  await oss.delete(BUCKET, 'dir/a b+c.txt');
  await assert.rejects(oss.head(BUCKET, 'dir/a b+c.txt'), { code: 'NoSuchKey' });
});

test('a wrong secret fails the signature check; an unknown bucket is NoSuchBucket', async () => {
  const bad = await createOssClient({
    credentials: { ...credentials, accessKeySecret: 'fake-wrong-secret' },
    region: 'cn-hangzhou',
    env: { SINDRI_ENDPOINT: emu.url },
  });
  await assert.rejects(bad.put(BUCKET, 'x', Buffer.from('x')), { code: 'SignatureDoesNotMatch' });
  await assert.rejects(oss.list('no-such-bucket', '').next(), { code: 'NoSuchBucket' });
});

test("the emulator takes V4 only: V1 is refused; V4 must be signed for, and sent to, the bucket's region", async () => {
  const Client = OSS as unknown as new (o: object) => { put(key: string, data: Buffer): Promise<unknown> };
  const base = { ...credentials, endpoint: emu.url, bucket: BUCKET };
  const v1 = new Client({ ...base, region: 'oss-cn-hangzhou' });
  await assert.rejects(v1.put('v1.txt', Buffer.from('x')), {
    code: 'AccessDenied',
    status: 403,
    message: /V1 signature/,
  });
  // To an IP endpoint ali-oss sends `Host: <bucket>.oss-<region>.aliyuncs.com`: another region's endpoint.
  const beijing = new Client({ ...base, region: 'oss-cn-beijing', authorizationV4: true });
  await assert.rejects(beijing.put('v4.txt', Buffer.from('x')), {
    code: 'AccessDenied',
    status: 403,
    message: /must be addressed using the specified endpoint/,
  });
  // Path-style through a host name: the signing region (from `region`, endpoint or not) is checked.
  const pathStyle = {
    ...base,
    endpoint: emu.url.replace('127.0.0.1', 'localhost'),
    sldEnable: true,
    authorizationV4: true,
  };
  await assert.rejects(
    new Client({ ...pathStyle, region: 'oss-cn-beijing' }).put('v4.txt', Buffer.from('x')),
    {
      code: 'InvalidArgument',
      status: 400,
      message: /Invalid signing region/,
    },
  );
  await new Client({ ...pathStyle, region: 'oss-cn-hangzhou' }).put('v4-path.txt', Buffer.from('x'));
  const v4 = new Client({ ...base, region: 'oss-cn-hangzhou', authorizationV4: true });
  await v4.put('v4.txt', Buffer.from('x'));
  assert.equal((await oss.head(BUCKET, 'v4.txt')).size, 1);
  assert.deepEqual(
    emu.oss.keys(BUCKET).filter((k) => k.startsWith('v')),
    ['v4-path.txt', 'v4.txt'],
  );
});

test('listing follows markers across pages', async () => {
  for (let i = 0; i < 7; i++) await oss.put(BUCKET, `list/${String(i).padStart(2, '0')}`, Buffer.from([i]));
  await oss.put(BUCKET, 'other/x', Buffer.from('x'));
  const keys: string[] = [];
  for await (const o of oss.list(BUCKET, 'list/', { pageSize: 3 })) keys.push(o.key);
  assert.deepEqual(keys, ['list/00', 'list/01', 'list/02', 'list/03', 'list/04', 'list/05', 'list/06']);
});

test('multipart upload through ali-oss; the ETag is not an MD5 but the CRC-64 matches', async () => {
  const Client = OSS as unknown as new (
    o: object,
  ) => { multipartUpload(key: string, file: string, o: object): Promise<unknown> };
  const client = new Client({
    ...credentials,
    authorizationV4: true,
    region: 'oss-cn-hangzhou',
    endpoint: emu.url,
    bucket: BUCKET,
  });
  const dir = tmp();
  const file = join(dir, 'disk.raw');
  const data = Buffer.alloc(250 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
  writeFileSync(file, data);
  await client.multipartUpload('mp/disk.raw', file, { partSize: 100 * 1024 });
  const head = await oss.head(BUCKET, 'mp/disk.raw');
  assert.match(head.etag, /-3$/);
  assert.equal(head.objectType, 'Multipart');
  const dest = join(dir, 'back.raw');
  const r = await downloadObject({ oss, bucket: BUCKET, key: 'mp/disk.raw', dest });
  assert.equal(r.verifiedBy, 'crc64');
  assert.deepEqual(readFileSync(dest), data);
});

test('a dropped connection is resumed with a Range request and the file verifies', async () => {
  const size = 3 * 1024 * 1024 + 11;
  emu.oss.putGenerated(BUCKET, 'gen/a.raw', size, 'seed-a');
  emu.oss.dropAfter(1024 * 1024 + 5, { key: 'gen/a.raw' });
  const before = emu.oss.getLog().length;
  const retries: number[] = [];
  const dest = join(tmp(), 'a.raw');
  const r = await downloadObject({
    oss,
    bucket: BUCKET,
    key: 'gen/a.raw',
    dest,
    retry: fast,
    onRetry: (e) => retries.push(e.offset),
  });
  assert.equal(r.resumes, 1);
  assert.equal(r.verifiedBy, 'crc64');
  assert.equal(retries.length, 1);
  const gets = emu.oss.getLog().slice(before);
  assert.deepEqual(
    gets.map((g) => g.range),
    ['bytes=0-', `bytes=${retries[0]}-`],
  );
  assert.ok((retries[0] as number) > 0 && (retries[0] as number) <= 1024 * 1024 + 5);
  assert.deepEqual(readFileSync(dest), emu.oss.generatedContent('seed-a', 0, size - 1));
  await assert.rejects(stat(partPaths(dest).part), { code: 'ENOENT' });
});

test('a 200 reply to a ranged resume is an error and nothing is appended', async () => {
  const size = 2 * 1024 * 1024;
  emu.oss.putGenerated(BUCKET, 'gen/b.raw', size, 'seed-b');
  emu.oss.dropAfter(512 * 1024, { key: 'gen/b.raw' });
  emu.oss.injectFault({ op: 'GetObject', key: 'gen/b.raw', ignoreRange: true });
  const dest = join(tmp(), 'b.raw');
  // The first GET drops after 512 KiB; the resume gets 200 and the whole object: refused, not appended.
  await assert.rejects(downloadObject({ oss, bucket: BUCKET, key: 'gen/b.raw', dest, retry: fast }), {
    code: 'RangeNotHonoured',
  });
  const partial = (await stat(partPaths(dest).part)).size;
  assert.ok(partial > 0 && partial <= 512 * 1024, `partial ${partial}`);
  // A third run resumes from the partial file and completes it.
  const r = await downloadObject({ oss, bucket: BUCKET, key: 'gen/b.raw', dest, retry: fast });
  assert.equal(r.resumedFrom, partial);
  assert.equal(r.verifiedBy, 'crc64');
  assert.deepEqual(readFileSync(dest), emu.oss.generatedContent('seed-b', 0, size - 1));
});

test('a partial file from another version of the object is not resumed', async () => {
  emu.oss.putGenerated(BUCKET, 'gen/c.raw', 300_000, 'seed-c1');
  const dest = join(tmp(), 'c.raw');
  emu.oss.dropAfter(100_000, { key: 'gen/c.raw', times: 10 });
  await assert.rejects(
    downloadObject({ oss, bucket: BUCKET, key: 'gen/c.raw', dest, retry: { ...fast, maxAttempts: 1 } }),
    { code: 'DownloadFailed' },
  );
  emu.oss.clearFaults();
  emu.oss.putGenerated(BUCKET, 'gen/c.raw', 300_000, 'seed-c2');
  const r = await downloadObject({ oss, bucket: BUCKET, key: 'gen/c.raw', dest, retry: fast });
  assert.equal(r.resumedFrom, 0);
  assert.deepEqual(readFileSync(dest), emu.oss.generatedContent('seed-c2', 0, 299_999));
});

test('an existing destination is refused unless forced', async () => {
  await oss.put(BUCKET, 'small.txt', Buffer.from('abc'));
  const dest = join(tmp(), 'small.txt');
  writeFileSync(dest, 'old');
  await assert.rejects(downloadObject({ oss, bucket: BUCKET, key: 'small.txt', dest }), {
    code: 'DestinationExists',
  });
  await downloadObject({ oss, bucket: BUCKET, key: 'small.txt', dest, force: true });
  assert.equal(readFileSync(dest, 'utf8'), 'abc');
});
