/** The preflight passed and the build starts making things: from here on the record is kept. */
import type { BuildContext } from '../context.ts';
import type { Step } from '../run.ts';

export const begin: Step<BuildContext> = {
  name: 'begin',
  skip: (ctx) => ctx.record.cached && 'cache hit',
  async run(ctx) {
    ctx.record.status = 'building';
  },
};
