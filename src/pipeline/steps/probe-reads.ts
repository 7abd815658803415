/**
 * Packer retries some refused reads for up to 30 minutes: each is made once before packer starts, so
 * a refused one fails the build at once, before anything is created, naming the action.
 */
import type { BuildContext } from '../context.ts';
import { probePackerReads } from '../permission-probe.ts';
import type { Step } from '../run.ts';

export const probeReads: Step<BuildContext> = {
  name: 'probe-reads',
  skip: (ctx) => ctx.record.cached && 'cache hit',
  async run(ctx) {
    await probePackerReads(await ctx.session.clients(ctx.record.region), ctx.config, ctx.packer.version);
  },
};
