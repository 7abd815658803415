/**
 * JoinResourceGroup (SDK `JoinResourceGroupRequest`: RegionId, ResourceGroupId, ResourceId,
 * ResourceType): moves a resource into a resource group. The emulator serves images, the only
 * resource sindri moves; it keeps no list of resource groups, so any group ID is accepted (assumed).
 */
import { type Handler, requireRegion } from '../context.ts';
import { ApiError } from '../errors.ts';
import { findOwnImage } from './image-rules.ts';

export const JoinResourceGroup: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const type = ctx.p.req('ResourceType');
  const group = ctx.p.req('ResourceGroupId');
  if (type !== 'image')
    throw new ApiError(
      'InvalidResourceType.NotSupported',
      `The emulator moves only images, not ${type}.`,
      400,
    );
  findOwnImage(ctx, region.regionId, ctx.p.req('ResourceId')).resourceGroupId = group;
  return {};
};
