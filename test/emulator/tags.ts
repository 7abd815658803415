/** Tag actions (AddTags, RemoveTags, TagResources, UntagResources, ListTagResources) over all taggable kinds. */
import { type CallContext, type Handler, requireRegion } from './context.ts';
import { ApiError, invalidParameter, notFound } from './errors.ts';
import { paginate } from './params.ts';
import type { AnyResource, Kind } from './state.ts';

const KINDS: Record<string, Kind> = {
  instance: 'instance',
  disk: 'disk',
  snapshot: 'snapshot',
  image: 'image',
  securitygroup: 'securitygroup',
  keypair: 'keypair',
  vpc: 'vpc',
  vswitch: 'vswitch',
  eip: 'eip',
};

/** Tags one ECS resource carries at most, and `Tag.N` one call takes at most. */
export const MAX_TAGS_PER_RESOURCE = 20;

function kindOf(resourceType: string): Kind {
  const kind = KINDS[resourceType.toLowerCase().replace(/^aliyun::(ecs|vpc)::/, '')];
  if (!kind)
    throw invalidParameter('ResourceType', `The specified ResourceType "${resourceType}" is not valid.`);
  return kind;
}

function findTaggable(ctx: CallContext, regionId: string, kind: Kind, id: string): AnyResource {
  const r = ctx.world.get(kind, regionId, id);
  if (!r || r.accountId !== ctx.accountId)
    throw notFound('ResourceId', `The specified ResourceId "${id}" does not exist.`);
  return r;
}

type TagList = Array<{ key: string; value: string | undefined }>;

function checkTagList(tags: TagList, tooMany: string, tooManyMessage: string): void {
  if (tags.length > MAX_TAGS_PER_RESOURCE) throw new ApiError(tooMany, tooManyMessage);
  for (const t of tags)
    if (t.key.startsWith('aliyun') || t.key.startsWith('acs:'))
      throw new ApiError('InvalidTagKey.Malformed', 'The specified Tag.n.Key is not valid.');
}

/** Sets the tags, refusing (and changing nothing) when the resource would carry more than 20. */
function applyTags(r: AnyResource, tags: TagList): void {
  const next = new Map(r.tags);
  for (const t of tags) next.set(t.key, t.value ?? '');
  if (next.size > MAX_TAGS_PER_RESOURCE)
    throw new ApiError(
      'OperationDenied.QuotaExceed',
      'The quota of tags on resource is beyond permitted range.',
    );
  r.tags = next;
}

const AddTags: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const r = findTaggable(ctx, region.regionId, kindOf(ctx.p.req('ResourceType')), ctx.p.req('ResourceId'));
  const tags = ctx.p.tags();
  if (tags.length === 0) throw invalidParameter('Tag', 'At least one tag must be given.');
  checkTagList(tags, 'InvalidTagCount', 'The specified tags are beyond the permitted range.');
  applyTags(r, tags);
  return {};
};

const RemoveTags: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const r = findTaggable(ctx, region.regionId, kindOf(ctx.p.req('ResourceType')), ctx.p.req('ResourceId'));
  for (const t of ctx.p.tags()) {
    if (t.value === undefined || r.tags.get(t.key) === t.value) r.tags.delete(t.key);
  }
  return {};
};

const TagResources: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const kind = kindOf(ctx.p.req('ResourceType'));
  const ids = ctx.p.repeated('ResourceId');
  if (ids.length === 0) throw invalidParameter('ResourceId', 'At least one ResourceId must be given.');
  const tags = ctx.p.tags();
  if (tags.length === 0) throw invalidParameter('Tag', 'At least one tag must be given.');
  checkTagList(tags, 'NumberExceed.Tags', "The Tags parameter's number is exceed , Valid : 20.");
  const resources = ids.map((id) => findTaggable(ctx, region.regionId, kind, id));
  for (const r of resources) applyTags(r, tags);
  return {};
};

const UntagResources: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const kind = kindOf(ctx.p.req('ResourceType'));
  const keys = ctx.p.repeated('TagKey');
  const all = ctx.p.bool('All');
  for (const id of ctx.p.repeated('ResourceId')) {
    const r = findTaggable(ctx, region.regionId, kind, id);
    if (all) r.tags.clear();
    else for (const k of keys) r.tags.delete(k);
  }
  return {};
};

const ListTagResources: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const type = ctx.p.req('ResourceType');
  const kind = kindOf(type);
  const ids = ctx.p.repeated('ResourceId');
  const filters = ctx.p.tags();
  if (ids.length === 0 && filters.length === 0)
    throw new ApiError('MissingParameter', 'Either ResourceId or Tag must be given.');
  const rows: Array<Record<string, string>> = [];
  for (const r of ctx.world.list(kind, region.regionId, ctx.accountId)) {
    if (ids.length > 0 && !ids.includes(r.id)) continue;
    // A resource matches the filter when it carries every listed key (and value, when given).
    if (
      filters.length > 0 &&
      !filters.every((f) => r.tags.has(f.key) && (f.value === undefined || r.tags.get(f.key) === f.value))
    )
      continue;
    for (const [k, v] of r.tags) rows.push({ ResourceType: type, ResourceId: r.id, TagKey: k, TagValue: v });
  }
  const page = paginate(rows, ctx.p, { nextToken: true, defaultSize: 50, max: 1000 });
  const token = page.fields.NextToken ?? '';
  if (ctx.p.str('NextToken') === undefined && ctx.p.str('MaxResults') === undefined) {
    // Without a token the real API returns the first 50 rows and a token for the rest.
    const first = rows.slice(0, 50);
    const next = rows.length > 50 ? Buffer.from('o:50').toString('base64url') : '';
    return { NextToken: next, TagResources: { TagResource: first } };
  }
  return { NextToken: token, TagResources: { TagResource: page.items } };
};

export const tagHandlers: Record<string, Handler> = { TagResources, UntagResources, ListTagResources };
export const ecsOnlyTagHandlers: Record<string, Handler> = { AddTags, RemoveTags };
