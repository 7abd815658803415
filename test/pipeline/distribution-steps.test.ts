/** The distribution's and the capture's steps in process, each alone, against the emulator. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SindriError } from '../../src/errors.ts';
import { CAPTURE } from '../../src/pipeline/capture.ts';
import {
  type CaptureContext,
  type DistributionPlan,
  newContext,
  type PipelineContext,
} from '../../src/pipeline/context.ts';
import { DISTRIBUTION } from '../../src/pipeline/distribution.ts';
import { createProgress } from '../../src/pipeline/progress.ts';
import { type BuildRecord, newRecord } from '../../src/pipeline/record.ts';
import { runSteps } from '../../src/pipeline/run.ts';
import { connect } from '../../src/pipeline/steps/connect.ts';
import { copy } from '../../src/pipeline/steps/copy.ts';
import { createImage } from '../../src/pipeline/steps/create-image.ts';
import { findInstance } from '../../src/pipeline/steps/find-instance.ts';
import { prepareDistribution } from '../../src/pipeline/steps/prepare-distribution.ts';
import { resourceGroup } from '../../src/pipeline/steps/resource-group.ts';
import { share } from '../../src/pipeline/steps/share.ts';
import { stopInstance } from '../../src/pipeline/steps/stop-instance.ts';
import { builtImage, type Harness, HOME_REGION, harness } from '../distribution/helpers.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { seedImage, seedInstance } from '../lifecycle/helpers.ts';

const PLAN: DistributionPlan = {
  copyRegions: [],
  shareAccounts: [],
  pruneShares: false,
  tags: {},
  encrypted: false,
  force: false,
};

describe('distribution and capture steps, in process', () => {
  let emu: Emulator;
  let h: Harness;
  const lines: string[] = [];

  before(async () => {
    emu = await startEmulator({ timeScale: 0 });
    h = await harness(emu);
  });
  after(async () => {
    await h.dispose();
    await emu.stop();
  });

  function context(record: BuildRecord, plan: Partial<DistributionPlan> = {}): PipelineContext {
    const progress = createProgress({ enabled: true, write: (line) => lines.push(line) });
    return newContext({
      session: h.session,
      plan: { ...PLAN, ...plan },
      record,
      configDir: h.dir,
      progress,
      signal: new AbortController().signal,
      tuning: { pollMinDelayMs: 20 },
    });
  }

  it('the distribution and the capture read top to bottom', () => {
    assert.deepEqual(
      DISTRIBUTION.map((s) => s.name),
      [
        'prepare-distribution',
        'rename-intermediate',
        'copy',
        'drop-intermediate',
        'share',
        'take-name',
        'join-family',
        'retention',
        'resource-group',
        'finish-distribution',
      ],
    );
    assert.deepEqual(CAPTURE.map((s) => s.name).slice(0, 6), [
      'connect',
      'find-instance',
      'check-name',
      'stop-instance',
      'stage-name',
      'create-image',
    ]);
  });

  it('prepare-distribution: nothing to do is skipped; a missing image fails; every copy region gets an entry', async () => {
    const { record } = builtImage(emu, 'b-prep', 'steps-prep');
    assert.ok(
      prepareDistribution.skip?.(context(record)),
      'skipped without copies, shares, encryption, retention',
    );
    const ctx = context(record, { copyRegions: ['cn-shanghai', HOME_REGION, 'cn-beijing'] });
    await runSteps(ctx, [prepareDistribution]);
    assert.deepEqual(
      Object.keys(ctx.record.regions),
      ['cn-shanghai', 'cn-beijing'],
      'never the build region',
    );
    assert.equal(ctx.record.status, 'distributing');
    assert.equal(
      ctx.record.distribution?.sourceTags?.ManagedBy,
      'sindri',
      'the source image’s tags are kept',
    );

    const gone = context(
      { ...record, imageId: 'm-doesnotexist00000', distribution: undefined },
      {
        copyRegions: ['cn-shanghai'],
      },
    );
    await assert.rejects(runSteps(gone, [prepareDistribution]), (e: unknown) => {
      assert.ok(e instanceof SindriError);
      assert.equal(e.code, 'InvalidImageId.NotFound');
      return true;
    });
  });

  it('copy and share, run twice, make each copy and each share once', async () => {
    const { record } = builtImage(emu, 'b-twice', 'steps-twice');
    const plan = { copyRegions: ['cn-shanghai', 'cn-beijing'], shareAccounts: ['1234567890123456'] };
    const copies = () => emu.admin.requestLog({ action: 'CopyImage' }).length;
    const shares = () => emu.admin.requestLog({ action: 'ModifyImageSharePermission' }).length;
    const [c0, s0] = [copies(), shares()];
    const ctx = context(record, plan);
    await runSteps(ctx, [prepareDistribution, copy, share]);
    assert.equal(copies() - c0, 2);
    assert.equal(shares() - s0, 3, 'the build region’s image and the two copies');
    await runSteps(ctx, [prepareDistribution, copy, share]);
    assert.equal(copies() - c0, 2, 'no second copy');
    assert.equal(shares() - s0, 3, 'nothing shared twice');
    assert.deepEqual(
      Object.values(ctx.record.regions).map((r) => r.state),
      ['available', 'available'],
    );
  });

  it('resource-group moves every finished image into the group', async () => {
    const { record } = builtImage(emu, 'b-group', 'steps-group');
    const ctx = context(record, { copyRegions: ['cn-shanghai'], resourceGroupId: 'rg-example0001' });
    await runSteps(ctx, [prepareDistribution, copy, resourceGroup]);
    for (const [region, id] of [
      [HOME_REGION, record.imageId as string],
      ['cn-shanghai', ctx.record.regions['cn-shanghai']?.imageId as string],
    ] as const)
      assert.equal(emu.admin.world.get('image', region, id)?.resourceGroupId, 'rg-example0001', region);
    assert.ok(resourceGroup.skip?.(context(record)), 'skipped without a group');
  });

  function captureContext(instanceId: string, stop: boolean): CaptureContext {
    const record = newRecord({
      buildId: `b-capture-${stop}`,
      configFile: '',
      configHash: '',
      imageName: '',
      region: HOME_REGION,
      status: 'preflight',
    });
    return {
      ...context(record),
      options: {
        instanceId,
        stop,
        force: false,
        sindriVersion: '0.1.0',
        timeoutMs: 60_000,
        pollInitialMs: 10,
      },
      userTags: { Team: 'platform' },
      work: { sameName: [], stopped: false },
    };
  }

  it('find-instance names the image after the instance; an unknown instance fails', async () => {
    const { image } = seedImage(emu, { region: HOME_REGION, name: 'base' });
    const instance = seedInstance(emu, HOME_REGION, image.id);
    const ctx = captureContext(instance.id, false);
    await runSteps(ctx, [connect, findInstance]);
    assert.match(ctx.record.imageName, /^web-1-capture-\d{8}-\d{6}$/);
    await assert.rejects(
      runSteps(captureContext('i-doesnotexist00000', false), [connect, findInstance]),
      (e: unknown) => e instanceof SindriError && e.code === 'InvalidInstanceId.NotFound',
    );
  });

  it('stop-instance stops only with --stop; create-image makes one tagged image and waits for it', async () => {
    const { image } = seedImage(emu, { region: HOME_REGION, name: 'base-2' });
    const running = seedInstance(emu, HOME_REGION, image.id);
    const quiet = captureContext(running.id, false);
    await runSteps(quiet, [connect, findInstance, stopInstance]);
    assert.equal(emu.admin.world.status(running), 'Running');
    assert.ok(
      lines.some((l) => /crash-consistent/.test(l)),
      'it says the image will be crash-consistent',
    );

    const ctx = captureContext(running.id, true);
    await runSteps(ctx, [connect, findInstance, stopInstance, createImage]);
    assert.equal(ctx.work.stopped, true);
    assert.equal(emu.admin.world.status(running), 'Stopped');
    const made = emu.admin.world.get('image', HOME_REGION, ctx.record.imageId as string);
    assert.equal(made?.tags.get('sindri:captured-from'), running.id);
    assert.equal(made?.tags.get('sindri:build-id'), ctx.record.buildId);
    assert.equal(made?.tags.get('Team'), 'platform');
    assert.equal(ctx.record.status, 'built');
    const create = emu.admin.requestLog({ action: 'CreateImage' }).at(-1);
    assert.ok(create?.params.ClientToken, 'CreateImage carries a ClientToken');
  });
});
