/**
 * The test stage starts an instance from the new image, before anything is copied or shared, and
 * removes it as soon as its checks are done (an image an instance uses cannot be deleted). A failure
 * or an interrupt in between still removes it when the pipeline ends; after a crash, `sweep` finds it.
 */

import { SindriError } from '../../errors.ts';
import { BUILD_ID_TAG, MANAGED_BY_KEY, MANAGED_BY_VALUE } from '../../images/tags.ts';
import type { SweepOutcome } from '../../images/teardown.ts';
import { launchTestInstance, removeTestInstance as removeResources } from '../../images/test-instance.ts';
import { saveState, type TestingContext, testsToRun } from '../context.ts';
import { leftoverLines } from '../leftovers.ts';
import type { Step } from '../run.ts';

const nameOf = (ctx: TestingContext) => `sindri-${ctx.record.buildId}-test`;

/** Removes the test instance and what was made for it; returns what is left. */
async function removeAll(ctx: TestingContext): Promise<SweepOutcome[]> {
  const made = ctx.record.test?.resources;
  if (!made || Object.keys(made).length === 0) return [];
  const left = await removeResources(
    await ctx.session.clients(ctx.record.region),
    { region: ctx.record.region, name: nameOf(ctx) },
    made,
  );
  if (left.length > 0) {
    ctx.warn(
      `the test instance's resources could not all be removed (sindri packer sweep finds them): ${leftoverLines(left).join('; ')}`,
    );
    return left;
  }
  (ctx.record.test as NonNullable<typeof ctx.record.test>).resources = {};
  ctx.progress.detail(`removed the test instance ${made.instanceId ?? ''} and what was made for it`);
  return [];
}

export const startTestInstance: Step<TestingContext> = {
  name: 'test-instance',
  skip: (ctx) =>
    !testsToRun(ctx) ? 'no tests' : ctx.record.test?.passed !== undefined ? 'tested already' : false,
  async run(ctx) {
    const { record, testing } = ctx;
    record.test ??= { resources: {} };
    // A run that was killed mid-test left its instance (or sweep removed it): start again from nothing.
    await removeAll(ctx);
    const made = record.test.resources;
    if (Object.keys(made).length > 0)
      throw new SindriError(
        `the test instance of an earlier run of this build could not be removed: ${Object.values(made).join(', ')}`,
        { code: 'TestInstanceLeft', actions: ['run sindri packer sweep, then the same command again'] },
      );
    ctx.progress.phase('test', `starting an instance of ${record.imageId} to test it`);
    const reached = await launchTestInstance(
      await ctx.session.clients(record.region),
      {
        region: record.region,
        imageId: record.imageId as string,
        // The type and zone the build itself found capacity in, when it looked.
        instanceType: record.placement?.chosen?.instanceType || testing.instanceType,
        name: nameOf(ctx),
        tags: { [MANAGED_BY_KEY]: MANAGED_BY_VALUE, [BUILD_ID_TAG]: record.buildId },
        vswitchId: testing.vswitchId,
        securityGroupId: testing.securityGroupId,
        vpcId: testing.vpcId ?? record.vpcId,
        zoneId: testing.zoneId ?? (record.placement?.chosen?.zoneId || undefined),
        sshPort: testing.sshPort,
        publicBandwidthMbps: testing.publicBandwidthMbps,
        communicator: testing.communicator,
        signal: ctx.signal,
        ...(testing.pollMs !== undefined ? { pollMs: testing.pollMs } : {}),
      },
      made,
      () => saveState(ctx),
    );
    ctx.work.test = reached;
    ctx.progress.detail(
      testing.communicator === 'cloud-assistant'
        ? `test instance ${made.instanceId} is running (private address ${reached.host}, reached through Cloud Assistant)`
        : `test instance ${made.instanceId} is running at ${reached.host}`,
    );
  },
  // The safety net: a failure or an interrupt before remove-test-instance still removes it (what is
  // left is a warning: the failure stays the command's error).
  cleanup: async (ctx) => {
    if (ctx.work.testRemovalTried) return;
    ctx.work.testRemovalTried = true;
    await removeAll(ctx);
  },
};

// What is left fails the command at its end (CleanupFailed), once the verdict and the rest are done.
export const removeTestInstance: Step<TestingContext> = {
  name: 'remove-test-instance',
  skip: (ctx) => Object.keys(ctx.record.test?.resources ?? {}).length === 0 && 'no test instance',
  async run(ctx) {
    ctx.work.testRemovalTried = true;
    ctx.work.leftovers.push(...(await removeAll(ctx)));
  },
};
