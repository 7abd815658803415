import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkRangeReply, parseContentRange, retryDelay } from '../../src/transfer/download.ts';
import { resolveOssEndpoint } from '../../src/transfer/oss-client.ts';
import { parseRange } from '../emulator/oss/http.ts';

test('only a 206 that continues exactly at the offset may be appended', () => {
  assert.equal(checkRangeReply(206, 'bytes 100-999/1000', 100, 1000), undefined);
  assert.match(checkRangeReply(200, undefined, 100, 1000) ?? '', /answered 200 instead of 206/);
  assert.match(checkRangeReply(206, undefined, 100, 1000) ?? '', /no valid Content-Range/);
  assert.match(checkRangeReply(206, 'bytes 0-999/1000', 100, 1000) ?? '', /starts at byte 0, not 100/);
  assert.match(checkRangeReply(206, 'bytes 100-1099/1100', 100, 1000) ?? '', /now 1100 bytes/);
  assert.match(checkRangeReply(206, 'bytes 100-500/1000', 100, 1000) ?? '', /ends at byte 500/);
});

test('Content-Range parsing rejects impossible ranges', () => {
  assert.deepEqual(parseContentRange('bytes 0-0/1'), { start: 0, end: 0, total: 1 });
  assert.equal(parseContentRange('bytes 5-4/10'), undefined);
  assert.equal(parseContentRange('bytes 0-10/10'), undefined);
  assert.equal(parseContentRange('bytes */10'), undefined);
});

test('the emulator answers bytes=<offset>- with exactly the rest of the object', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1e9 }), fc.nat(), (size, o) => {
      const offset = o % size;
      const r = parseRange(`bytes=${offset}-`, size);
      assert.deepEqual(r, { start: offset, end: size - 1 });
      assert.equal(checkRangeReply(206, `bytes ${offset}-${size - 1}/${size}`, offset, size), undefined);
    }),
  );
  assert.equal(parseRange('bytes=10-', 10), 'unsatisfiable');
  assert.deepEqual(parseRange('bytes=-3', 10), { start: 7, end: 9 });
  assert.equal(parseRange('bytes=a-', 10), undefined);
});

test('retry delays double up to the cap', () => {
  const p = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 3000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((a) => retryDelay(a, p)),
    [500, 1000, 2000, 3000, 3000],
  );
});

test('the OSS endpoint: override variables first, else the region', () => {
  assert.deepEqual(resolveOssEndpoint('cn-beijing', {}), {
    host: 'oss-cn-beijing.aliyuncs.com',
    protocol: 'https',
    source: 'region',
    pathStyle: false,
  });
  const e = resolveOssEndpoint('cn-beijing', {
    SINDRI_ENDPOINT: 'http://127.0.0.1:9000',
    SINDRI_ENDPOINT_OSS: 'http://oss.example.test:8080',
  });
  assert.deepEqual(e, {
    host: 'oss.example.test:8080',
    protocol: 'http',
    source: 'env:SINDRI_ENDPOINT_OSS',
    pathStyle: true,
  });
  assert.equal(
    resolveOssEndpoint('cn-beijing', { SINDRI_ENDPOINT: 'http://127.0.0.1:9000' }).pathStyle,
    false,
  );
});
