/**
 * Before any copy: the image to distribute must exist, and every region the plan copies to gets an
 * entry in the record (the build region too when encryption makes an encrypted copy there).
 */
import { CloudError } from '../../cloud/errors.ts';
import { SindriError } from '../../errors.ts';
import { findSelfImage, isEncrypted } from '../../images/images.ts';
import { isRegistryTag, SOURCE_IMAGE_TAG, tagRecord } from '../../images/tags.ts';
import { distributes, type PipelineContext } from '../context.ts';
import type { Step } from '../run.ts';

export const prepareDistribution: Step = {
  name: 'prepare-distribution',
  skip: (ctx) => !distributes(ctx.plan) && 'nothing to distribute',
  async run(ctx: PipelineContext) {
    const { record, plan } = ctx;
    if (!record.imageId) throw new Error('prepare-distribution: the build record has no image');
    const home = record.region;
    record.distribution ??= { sourceImageId: record.imageId };
    const state = record.distribution;
    if (!state.sourceDeleted) {
      const source = await findSelfImage(await ctx.session.clients(home), home, state.sourceImageId);
      if (!source)
        throw new CloudError({
          code: 'InvalidImageId.NotFound',
          message: `the image ${state.sourceImageId} to distribute does not exist in ${home}`,
        });
      const copiesOrShares = plan.copyRegions.length > 0 || plan.encrypted || plan.shareAccounts.length > 0;
      if (source.status === 'Deprecated' && copiesOrShares)
        throw new SindriError(
          `the image ${state.sourceImageId} is Deprecated: a deprecated image can be neither copied nor shared.`,
          {
            code: 'ImageDeprecated',
            actions: [
              `restore it first (ModifyImageAttribute Status=Available: \`aliyun ecs ModifyImageAttribute --RegionId ${home} --ImageId ${state.sourceImageId} --Status Available\`), then run the same command again`,
            ],
          },
        );
      state.sourceTags ??= Object.fromEntries(
        Object.entries(tagRecord(source.tags)).filter(
          // A copy is not promoted, revoked or flagged because its source is: those tags stay behind.
          ([key]) => !key.startsWith('acs:') && key !== SOURCE_IMAGE_TAG && !isRegistryTag(key),
        ),
      );
      if (plan.encrypted && !isEncrypted(source)) record.regions[home] ??= { state: 'pending' };
    }
    for (const region of plan.copyRegions)
      if (region !== home) record.regions[region] ??= { state: 'pending' };
    record.status = 'distributing';
    ctx.progress.phase(
      'distribute',
      `copying to ${plan.copyRegions.length} region(s), sharing with ${plan.shareAccounts.length} account(s)`,
    );
  },
  interrupted: {
    message: 'interrupted during distribution; copies already started keep going in the cloud.',
    fix: 'run the same command again: it continues the distribution from the build record',
  },
};
