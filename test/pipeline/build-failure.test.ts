/**
 * How a build that made its image ends (src/pipeline/outcome.ts, buildFailure): the distribution's
 * error when it failed, naming also what was left behind; else the clean-up's; else none.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SindriError } from '../../src/errors.ts';
import { buildFailure } from '../../src/pipeline/outcome.ts';

const error = (code: string) =>
  fc
    .record({
      message: fc.string({ minLength: 1 }),
      actions: fc.array(fc.string({ minLength: 1 }), { maxLength: 3 }),
    })
    .map((e) => new SindriError(e.message, { code, actions: e.actions }));

test('the distribution failure wins and carries the clean-up; either alone is itself', () => {
  fc.assert(
    fc.property(
      fc.option(error('DistributionFailed'), { nil: undefined }),
      fc.option(error('CleanupFailed'), { nil: undefined }),
      (distribution, cleanup) => {
        const failure = buildFailure(distribution, cleanup);
        if (!distribution || !cleanup) {
          assert.equal(failure, distribution ?? cleanup);
          return;
        }
        assert.equal(failure?.code, 'DistributionFailed');
        assert.ok(failure?.message.startsWith(distribution.message));
        assert.ok(failure?.message.includes(cleanup.message));
        assert.deepEqual(failure?.actions, [...distribution.actions, ...cleanup.actions]);
      },
    ),
  );
});
