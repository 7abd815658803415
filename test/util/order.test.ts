import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { byCodeUnits } from '../../src/util/order.ts';

describe('byCodeUnits', () => {
  it('orders strings as Array.prototype.sort does by default (UTF-16 code units)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 30 }), (words) => {
        assert.deepEqual([...words].sort(byCodeUnits), [...words].sort());
      }),
    );
  });

  it('is antisymmetric, and 0 only for equal strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        assert.equal(byCodeUnits(a, b), 0 - byCodeUnits(b, a));
        assert.equal(byCodeUnits(a, b) === 0, a === b);
      }),
    );
  });
});
