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

const MAX_TAGS = 20;

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

function applyTags(r: AnyResource, tags: Array<{ key: string; value: string | undefined }>): void {
  for (const t of tags) {
    if (t.key.startsWith('aliyun') || t.key.startsWith('acs:'))
      throw new ApiError('InvalidTagKey.Malformed', `The tag key "${t.key}" uses a reserved prefix.`);
    r.tags.set(t.key, t.value ?? '');
  }
  if (r.tags.size > MAX_TAGS)
    throw new ApiError('InvalidTagCount', `A resource can carry at most ${MAX_TAGS} tags.`);
}

const AddTags: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const r = findTaggable(ctx, region.regionId, kindOf(ctx.p.req('ResourceType')), ctx.p.req('ResourceId'));
  const tags = ctx.p.tags();
  if (tags.length === 0) throw invalidParameter('Tag', 'At least one tag must be given.');
  const before = new Map(r.tags);
  try {
    applyTags(r, tags);
  } catch (e) {
    r.tags = before;
    throw e;
  }
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
