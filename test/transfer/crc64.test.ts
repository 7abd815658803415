import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Crc64, crc64, crc64Reference } from '../../src/transfer/crc64.ts';

test('CRC-64/ECMA check value of "123456789" is 0x995DC9BBDF1939FA', () => {
  assert.equal(new Crc64().update(Buffer.from('123456789')).value(), 0x995dc9bbdf1939fan);
  assert.equal(crc64(Buffer.from('123456789')), '11051210869376104954');
});

test('CRC-64 of nothing is 0, of "hello" is what OSS reports for it', () => {
  assert.equal(crc64(Buffer.alloc(0)), '0');
  assert.equal(crc64(Buffer.from('hello')), '11177612005948864433');
});

test('the table-driven CRC equals the bit-by-bit definition', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
      assert.equal(new Crc64().update(data).value(), crc64Reference(data));
    }),
    { numRuns: 300 },
  );
});

test('feeding the data in any chunks gives the same CRC', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(200), { maxLength: 6 }), (data, cuts) => {
      const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
      const crc = new Crc64();
      let from = 0;
      for (const p of [...points, data.length]) {
        crc.update(data.subarray(from, p));
        from = p;
      }
      assert.equal(crc.digest(), crc64(data));
    }),
    { numRuns: 300 },
  );
});
