/**
 * Where the registry looks: every region (DescribeRegions), or the `--region`s given, with one bound
 * on the calls in flight; and how a build is named on the command line (an image of it, or its ID).
 */
import { openWorkspace, type Workspace } from '../config/workspace.ts';
import { SindriError, UsageError } from '../errors.ts';
import { type BuildInRegion, buildInRegion } from '../images/channels.ts';
import {
  DEFAULT_CONCURRENCY,
  type DescribeFilter,
  describeRegionImages,
  findSelfImage,
  type ImageRow,
  toImageRow,
} from '../images/images.ts';
import { createLimiter, type Limiter } from '../images/limit.ts';
import { BUILD_ID_TAG, tagRecord } from '../images/tags.ts';

export interface ScopeOptions {
  configPath?: string | undefined;
  /** `--region`, repeatable: only these regions. */
  regions?: readonly string[] | undefined;
  concurrency?: number | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface Scope {
  ws: Workspace;
  regions: string[];
  limit: Limiter;
}

export async function openScope(opts: ScopeOptions): Promise<Scope> {
  const given = [...new Set(opts.regions ?? [])];
  const ws = await openWorkspace({
    configPath: opts.configPath,
    region: given[0],
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  const regions = given.length > 0 ? given : await ws.allRegions();
  return { ws, regions, limit: createLimiter(opts.concurrency ?? DEFAULT_CONCURRENCY) };
}

/** sindri's images in one region (every status), as rows without their share lists. */
export async function regionRows(
  scope: Scope,
  region: string,
  filter: DescribeFilter = {},
): Promise<ImageRow[]> {
  const clients = await scope.ws.clients(region);
  const images = await describeRegionImages(clients, region, scope.limit, filter);
  return images.map((i) => toImageRow(region, i));
}

/** sindri's images in every region of the scope. */
export async function scopeRows(scope: Scope, filter: DescribeFilter = {}): Promise<ImageRow[]> {
  return (await Promise.all(scope.regions.map((r) => regionRows(scope, r, filter)))).flat();
}

export type Target = { imageId: string; buildId?: undefined } | { buildId: string; imageId?: undefined };

const IMAGE_ID = /^m-[A-Za-z0-9]+$/;
const BUILD_ID = /^\d{8}-\d{6}-[0-9a-f]{6}$/;

/** `m-…` is an image, `20260105-101010-abcdef` a build; anything else is a usage error. */
export function parseTarget(arg: string): Target {
  if (IMAGE_ID.test(arg)) return { imageId: arg };
  if (BUILD_ID.test(arg)) return { buildId: arg };
  throw new UsageError(
    `${arg} is neither an image ID (m-…) nor a build ID (20260105-101010-abcdef).`,
    'pass an image of the build (`sindri packer list`) or its build ID (the sindri:build-id tag)',
  );
}

export interface FoundBuild {
  buildId: string;
  /** The image named on the command line, when one was. */
  named?: { region: string; imageId: string } | undefined;
  /** Each region of the scope where the build has images. */
  regions: BuildInRegion[];
}

/** The build a target names, and its images in every region of the scope. */
export async function findBuild(scope: Scope, target: Target): Promise<FoundBuild> {
  let buildId = target.buildId;
  let named: FoundBuild['named'];
  if (target.imageId) {
    const imageId = target.imageId;
    const hits = await Promise.all(
      scope.regions.map(async (region) => {
        const image = await scope.limit(async () =>
          findSelfImage(await scope.ws.clients(region), region, imageId),
        );
        return image ? { region, image } : undefined;
      }),
    );
    const hit = hits.find((h) => h !== undefined);
    if (!hit)
      throw new SindriError(`No image ${imageId} in ${scope.regions.length} region(s).`, {
        code: 'ImageNotFound',
        actions: ['check the ID with `sindri packer list --all-regions`'],
      });
    buildId = tagRecord(hit.image.tags)[BUILD_ID_TAG];
    if (!buildId)
      throw new SindriError(`${imageId} is not one of sindri's images (it has no sindri:build-id tag).`, {
        code: 'NotASindriImage',
        actions: ['name an image sindri built, or its build ID'],
      });
    named = { region: hit.region, imageId };
  }
  const id = buildId as string;
  const rows = await scopeRows(scope, { tags: { [BUILD_ID_TAG]: id } });
  const regions = scope.regions
    .map((region) => buildInRegion(region, rows, id))
    .filter((r) => r.all.length > 0);
  if (regions.length === 0)
    throw new SindriError(`Build ${id} has no image in ${scope.regions.length} region(s).`, {
      code: 'BuildNotFound',
      actions: ['check the build ID with `sindri packer list --all-regions`'],
    });
  return { buildId: id, named, regions };
}
