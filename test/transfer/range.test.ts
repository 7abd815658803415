import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkRangeReply, parseContentRange } from '../../src/transfer/download-range.ts';
import { retryDelay } from '../../src/transfer/download-retry.ts';
import { resolveOssEndpoint } from '../../src/transfer/oss-client.ts';
import { answerRange } from '../emulator/oss/range.ts';

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
      for (const standard of [false, true])
        assert.deepEqual(answerRange(`bytes=${offset}-`, size, standard), {
          kind: 'partial',
          start: offset,
          end: size - 1,
        });
      assert.equal(checkRangeReply(206, `bytes ${offset}-${size - 1}/${size}`, offset, size), undefined);
    }),
  );
  assert.deepEqual(answerRange('bytes=-3', 10, false), { kind: 'partial', start: 7, end: 9 });
});

test('out-of-range requests: the whole object by default, RFC 7233 with x-oss-range-behavior: standard', () => {
  // The OSS range page's table, for a 1000-byte object.
  const whole = { kind: 'whole' };
  assert.deepEqual(answerRange('bytes=500-2000', 1000, false), whole);
  assert.deepEqual(answerRange('bytes=500-2000', 1000, true), { kind: 'partial', start: 500, end: 999 });
  assert.deepEqual(answerRange('bytes=1000-2000', 1000, false), whole);
  assert.deepEqual(answerRange('bytes=1000-2000', 1000, true), { kind: 'unsatisfiable' });
  assert.deepEqual(answerRange('bytes=1000-', 1000, false), whole);
  assert.deepEqual(answerRange('bytes=1000-', 1000, true), { kind: 'unsatisfiable' });
  assert.deepEqual(answerRange('bytes=-2000', 1000, false), whole);
  assert.deepEqual(answerRange('byte=0-499', 1000, false), whole);
  assert.deepEqual(answerRange('bytes=a-', 10, true), whole);
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
