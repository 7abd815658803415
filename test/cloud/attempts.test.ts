import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { attemptsFromEnv } from '../../src/cloud/clients.ts';
import { UsageError } from '../../src/errors.ts';

describe('SINDRI_RETRY_ATTEMPTS', () => {
  it('sets the attempts per call from 1 to 20, and nothing when unset', () => {
    assert.deepEqual(attemptsFromEnv({}), {});
    assert.deepEqual(attemptsFromEnv({ SINDRI_RETRY_ATTEMPTS: '' }), {});
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), (n) => {
        assert.deepEqual(attemptsFromEnv({ SINDRI_RETRY_ATTEMPTS: String(n) }), { maxAttempts: n });
      }),
    );
  });

  it('refuses anything else as invalid input', () => {
    for (const bad of ['0', '21', '2.5', 'many', '-3']) {
      assert.throws(
        () => attemptsFromEnv({ SINDRI_RETRY_ATTEMPTS: bad }),
        (e: unknown) => {
          assert.ok(e instanceof UsageError);
          assert.equal(e.exitCode, 2);
          assert.match(e.message, new RegExp(`"${bad.replace('.', '\\.')}"`));
          return true;
        },
      );
    }
  });
});
