/** runSteps: the order, skips, saves, failures and interrupts every pipeline relies on (pure logic, fake steps). */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { CloudSession } from '../../src/cloud/session.ts';
import { InterruptedError } from '../../src/errors.ts';
import { newContext, type PipelineContext, recordDir } from '../../src/pipeline/context.ts';
import { createProgress } from '../../src/pipeline/progress.ts';
import { type BuildStatus, loadRecord, newRecord } from '../../src/pipeline/record.ts';
import { runSteps, type Step } from '../../src/pipeline/run.ts';

const NO_CLOUD = {
  region: 'cn-hangzhou',
  regionSource: 'default',
  credentials: () => Promise.reject(new Error('no cloud in this test')),
  clients: () => Promise.reject(new Error('no cloud in this test')),
  allRegions: () => Promise.reject(new Error('no cloud in this test')),
} satisfies CloudSession;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sindri-run-'));
});
after(() => rm(dir, { recursive: true, force: true }));

function context(status: BuildStatus, signal = new AbortController().signal): PipelineContext {
  return newContext({
    session: NO_CLOUD,
    plan: {
      copyRegions: [],
      shareAccounts: [],
      pruneShares: false,
      tags: {},
      encrypted: false,
      force: false,
    },
    record: newRecord({
      buildId: `b-${Math.random().toString(36).slice(2)}`,
      configFile: '',
      configHash: '',
      imageName: 'run-test',
      region: 'cn-hangzhou',
      status,
    }),
    configDir: dir,
    progress: createProgress({ enabled: false }),
    signal,
  });
}

const saved = (ctx: PipelineContext) => loadRecord(recordDir(ctx)).catch(() => undefined);

describe('runSteps', () => {
  it('runs the steps in order, leaves out the skipped ones, and saves the record after each', async () => {
    const ctx = context('building');
    const seen: string[] = [];
    const step = (name: string, skip?: string): Step => ({
      name,
      ...(skip ? { skip: () => skip } : {}),
      async run(c) {
        seen.push(name);
        c.record.phases.push({ name, seconds: 0 });
      },
    });
    await runSteps(ctx, [step('a'), step('b', 'not needed'), step('c')]);
    assert.deepEqual(seen, ['a', 'c']);
    assert.deepEqual(
      (await saved(ctx))?.phases.map((p) => p.name),
      ['a', 'c'],
    );
  });

  it('property: whatever the steps, each runs at most once and exactly the unskipped ones run, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { maxLength: 12 }), async (skips) => {
        const ctx = context('preflight');
        const seen: number[] = [];
        const steps = skips.map(
          (skip, i): Step => ({
            name: `s${i}`,
            skip: () => skip && 'skip',
            run: async () => void seen.push(i),
          }),
        );
        await runSteps(ctx, steps);
        assert.deepEqual(
          seen,
          skips.flatMap((skip, i) => (skip ? [] : [i])),
        );
      }),
      { numRuns: 50 },
    );
  });

  it('keeps nothing on disk while the record is in preflight', async () => {
    const ctx = context('preflight');
    await runSteps(ctx, [{ name: 'look', run: async () => {} }]);
    assert.equal(await saved(ctx), undefined);
    await assert.rejects(
      runSteps(ctx, [{ name: 'refuse', run: () => Promise.reject(new Error('name taken')) }]),
      /name taken/,
    );
    assert.equal(await saved(ctx), undefined, 'a failure in preflight leaves no record either');
  });

  it('a failing step saves the record as failed and rethrows its error', async () => {
    const ctx = context('building');
    const boom = new Error('packer failed');
    await assert.rejects(
      runSteps(ctx, [{ name: 'build', run: () => Promise.reject(boom) }]),
      (e) => e === boom,
    );
    assert.equal((await saved(ctx))?.status, 'failed');
  });

  it('an interrupt during a step ends the run with that step’s own message, the record saved as interrupted', async () => {
    const controller = new AbortController();
    const ctx = context('distributing', controller.signal);
    const after: string[] = [];
    const steps: Step[] = [
      {
        name: 'copy',
        interrupted: { message: 'interrupted during distribution', fix: 'run it again' },
        async run() {
          controller.abort(new Error('SIGINT'));
          throw new Error('aborted');
        },
      },
      { name: 'share', run: async () => void after.push('share') },
    ];
    await assert.rejects(runSteps(ctx, steps), (err: unknown) => {
      assert.ok(err instanceof InterruptedError);
      assert.equal(err.exitCode, 130);
      assert.match(err.message, /interrupted during distribution/);
      assert.deepEqual(err.actions, ['run it again']);
      return true;
    });
    assert.deepEqual(after, [], 'no step runs after an interrupt');
    assert.equal((await saved(ctx))?.status, 'interrupted');
  });

  it('a step that swallows the abort still ends the run before the next step', async () => {
    const controller = new AbortController();
    const ctx = context('built', controller.signal);
    let next = false;
    await assert.rejects(
      runSteps(ctx, [
        { name: 'quiet', run: async () => controller.abort(new Error('SIGTERM')) },
        {
          name: 'next',
          async run() {
            next = true;
          },
        },
      ]),
      InterruptedError,
    );
    assert.equal(next, false);
  });

  it('a step’s own InterruptedError reaches the caller as it is', async () => {
    const ctx = context('building');
    const own = new InterruptedError('interrupted; packer cleaned up the resources it had created.');
    await assert.rejects(
      runSteps(ctx, [{ name: 'packer', run: () => Promise.reject(own) }]),
      (e) => e === own,
    );
    assert.equal((await saved(ctx))?.status, 'interrupted');
  });
});
