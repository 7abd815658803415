/** The builder cannot place an image in a resource group: every finished image joins the configured one. */
import type { PipelineContext } from '../context.ts';
import { finishedImages } from '../record.ts';
import type { Step } from '../run.ts';

export const resourceGroup: Step = {
  name: 'resource-group',
  skip: (ctx) => !ctx.plan.resourceGroupId && 'no resource group configured',
  async run(ctx: PipelineContext) {
    const group = ctx.plan.resourceGroupId as string;
    for (const [region, imageId] of Object.entries(finishedImages(ctx.record))) {
      await (await ctx.session.clients(region)).call('ecs', 'JoinResourceGroup', {
        regionId: region,
        resourceId: imageId,
        resourceType: 'image',
        resourceGroupId: group,
      } as never);
      ctx.progress.detail(`${region}: ${imageId} joined resource group ${group}`);
    }
  },
};
