/** The distribution is done, or failed in some region (the record says which; a rerun resumes it). */
import type { PipelineContext } from '../context.ts';
import { distributionErrors } from '../record.ts';
import type { Step } from '../run.ts';

export const finishDistribution: Step = {
  name: 'finish-distribution',
  async run(ctx: PipelineContext) {
    ctx.record.status = distributionErrors(ctx.record).length > 0 ? 'failed' : 'done';
  },
};
