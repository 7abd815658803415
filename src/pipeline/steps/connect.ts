/** Credentials and the build region's clients, resolved before anything else needs them. */
import type { PipelineContext } from '../context.ts';
import type { Step } from '../run.ts';

export const connect: Step = {
  name: 'connect',
  async run(ctx: PipelineContext) {
    await ctx.session.clients(ctx.record.region);
  },
};
