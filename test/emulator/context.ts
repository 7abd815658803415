import type { AccessKeyRecord, Principal } from './accounts.ts';
import type { RegionInfo } from './catalog.ts';
import { ApiError } from './errors.ts';
import type { Params } from './params.ts';
import type { World } from './state.ts';

export type Product = 'ecs' | 'vpc' | 'ram' | 'sts';

export const PRODUCT_VERSIONS: Record<Product, string> = {
  ecs: '2014-05-26',
  vpc: '2016-04-28',
  ram: '2015-05-01',
  sts: '2015-04-01',
};

/** Everything a handler needs to serve one authenticated call. */
export interface CallContext {
  world: World;
  p: Params;
  product: Product;
  action: string;
  requestId: string;
  accountId: string;
  principal: Principal;
  accessKey: AccessKeyRecord;
  /** Region taken from the Host of a proxied request, when there was one. */
  hostRegion: string | undefined;
}

export type Handler = (ctx: CallContext) => Record<string, unknown>;

/** The request's region (RegionId, else the proxied host's region), validated against the catalogue. */
export function requireRegion(ctx: CallContext): RegionInfo {
  const id = ctx.p.str('RegionId') ?? ctx.hostRegion;
  if (id === undefined) throw new ApiError('MissingRegionId', 'RegionId is mandatory for this action.', 400);
  const region = ctx.world.region(id);
  if (!region)
    throw new ApiError('InvalidRegionId.NotFound', `The specified RegionId "${id}" does not exist.`, 404);
  return region;
}

/** For actions whose RegionId is optional (they address a resource by a globally unique ID). */
export function optionalRegion(ctx: CallContext): RegionInfo | undefined {
  return ctx.p.str('RegionId') !== undefined || ctx.hostRegion !== undefined ? requireRegion(ctx) : undefined;
}
