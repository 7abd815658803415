import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/errors.ts';
import { formatOssUrl, ossEndpointHost, parseOssUrl } from '../../src/transfer/oss-url.ts';

test('oss:// URLs: bucket, prefix and object', () => {
  assert.deepEqual(parseOssUrl('oss://my-images/exports/'), { bucket: 'my-images', key: 'exports/' });
  assert.deepEqual(parseOssUrl('oss://my-images'), { bucket: 'my-images', key: '' });
  assert.deepEqual(parseOssUrl('oss://my-images/'), { bucket: 'my-images', key: '' });
  assert.deepEqual(parseOssUrl(' OSS://abc/a b/c.qcow2 '), { bucket: 'abc', key: 'a b/c.qcow2' });
});

test('bad oss:// URLs are usage errors (exit 2) that say what is wrong', () => {
  const cases: Array<[string, RegExp]> = [
    ['my-images/exports/', /not an oss:\/\/ URL/],
    ['s3://my-images/x', /uses s3:\/\/; only oss:\/\//],
    ['oss://', /no bucket name/],
    ['oss:///x', /no bucket name/],
    ['oss://My_Bucket/x', /lowercase letters, digits and hyphens/],
    ['oss://ab/x', /3 to 63 characters/],
    ['oss://-abc/x', /start and end/],
    ['oss://abc//x', /empty path segment/],
    ['oss://abc/x?y=1', /query or fragment/],
    [`oss://abc/${'k'.repeat(1024)}`, /longer than 1023 bytes/],
  ];
  for (const [url, message] of cases) {
    assert.throws(
      () => parseOssUrl(url),
      (err: unknown) => err instanceof UsageError && err.exitCode === 2 && message.test(err.message),
      url,
    );
  }
});

test('formatting and parsing round-trip for valid buckets and keys', () => {
  const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,20}[a-z0-9]$/);
  const key = fc
    .array(fc.stringMatching(/^[A-Za-z0-9._-]([A-Za-z0-9._ -]{0,10}[A-Za-z0-9._-])?$/), { maxLength: 4 })
    .map((parts) => parts.join('/'));
  fc.assert(
    fc.property(bucket, key, (b, k) => {
      assert.deepEqual(parseOssUrl(formatOssUrl({ bucket: b, key: k })), { bucket: b, key: k });
    }),
  );
});

test('the OSS endpoint comes from the region', () => {
  assert.equal(ossEndpointHost('cn-hangzhou'), 'oss-cn-hangzhou.aliyuncs.com');
  assert.equal(ossEndpointHost('ap-southeast-1', true), 'oss-ap-southeast-1-internal.aliyuncs.com');
  assert.throws(() => ossEndpointHost('cn hangzhou'), UsageError);
});
