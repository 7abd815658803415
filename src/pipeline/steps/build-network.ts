/**
 * A cloud-assistant build's own network (see ../build-network.ts): made before packer starts, for the
 * first candidate's zone, and removed once packer is done; a failure or an interrupt in between still
 * removes it when the pipeline ends, and after a crash `sweep` finds it by the journal and its name.
 */
import { makesNetwork, networkFor, removeNetwork } from '../build-network.ts';
import type { BuildContext } from '../context.ts';
import type { Step } from '../run.ts';

export const buildNetwork: Step<BuildContext> = {
  name: 'build-network',
  skip: (ctx) => (ctx.record.cached ? 'cache hit' : !makesNetwork(ctx) && 'not a cloud-assistant build'),
  async run(ctx) {
    await networkFor(ctx, ctx.record.placement?.candidates[0]?.zoneId ?? '');
  },
  // After a failure or an interrupt, which stays the command's error: what is left is a warning.
  cleanup: async (ctx) => {
    if (!ctx.work.networkRemovalTried) await removeNetwork(ctx);
  },
};

export const removeBuildNetwork: Step<BuildContext> = {
  name: 'remove-build-network',
  skip: (ctx) => (!ctx.record.network || ctx.record.network.removed) && 'no network of its own',
  // What is left fails the build at its end (build.ts), after everything else is done.
  async run(ctx) {
    ctx.work.networkRemovalTried = true;
    ctx.work.leftovers.push(...(await removeNetwork(ctx)));
  },
};
