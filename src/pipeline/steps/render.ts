/** Renders the Packer template for this build (its build ID and the looked-up VPC go in as variables). */

import { renderConfig } from '../../render/config.ts';
import type { BuildContext } from '../context.ts';
import type { Step } from '../run.ts';

export const render: Step<BuildContext> = {
  name: 'render',
  async run(ctx) {
    const rendered = await renderConfig(ctx.loaded, ctx.packer, {
      buildId: ctx.record.buildId,
      sindriVersion: ctx.options.sindriVersion,
      vpcId: ctx.record.vpcId,
    });
    ctx.work.rendered = rendered;
    ctx.record.configHash = rendered.configHash;
    for (const w of rendered.warnings) ctx.warn(`${w.path}: ${w.message}`);
    const credentials = await ctx.session.credentials();
    ctx.progress.detail(
      `credentials from ${credentials.source}; config hash ${rendered.configHash.slice(0, 12)}`,
    );
  },
};
