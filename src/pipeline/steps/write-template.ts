/** The rendered template and its scripts go into the build's private directory, beside its record. */
import { writeTemplate as write } from '../../render/render.ts';
import { type BuildContext, recordDir } from '../context.ts';
import type { Step } from '../run.ts';

export const writeTemplate: Step<BuildContext> = {
  name: 'write-template',
  skip: (ctx) => ctx.record.cached && 'cache hit',
  async run(ctx) {
    if (!ctx.work.rendered) throw new Error('write-template: nothing was rendered');
    ctx.work.workDir = recordDir(ctx);
    await write(ctx.work.rendered, ctx.work.workDir);
  },
};
