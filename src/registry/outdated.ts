/**
 * `sindri packer outdated`: is the newest image of this configuration still current? It is not when
 * none was built, when the configuration changed since (its hash, computed under that image's name),
 * or when the image it was built from has a newer version (the newest of its family, or an image
 * matching `alibaba.source_image_pattern`). Exit 10 when outdated, for CI (docs/json-output.md).
 */
import { randomUUID } from 'node:crypto';
import type { CloudClients } from '../cloud/index.ts';
import { openSession } from '../cloud/session.ts';
import { type LoadedConfig, loadConfig } from '../config/load.ts';
import { ExitCode, SindriError } from '../errors.ts';
import { type BaseImage, describeAnyImage, newestOfFamily, parseBase } from '../images/ancestry.ts';
import { type NewerImage, newerBase } from '../images/freshness.ts';
import { isManagedBySindri, type SdkImage, selfImages } from '../images/images.ts';
import { sameImageName } from '../images/retention.ts';
import {
  BUILD_ID_TAG,
  CONFIG_HASH_TAG,
  MANAGED_BY_KEY,
  MANAGED_BY_VALUE,
  tagRecord,
} from '../images/tags.ts';
import type { PackerBinary } from '../packer/binary.ts';
import { renderConfig } from '../render/config.ts';

export interface OutdatedOptions {
  configPath?: string | undefined;
  packer: PackerBinary;
  sindriVersion: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export type OutdatedReason = 'never-built' | 'config-changed' | 'source-newer';

export interface OutdatedResult {
  outdated: boolean;
  /** Whether building this configuration now makes a new image (a pinned source_image does not move). */
  rebuild: boolean;
  reasons: OutdatedReason[];
  /** The configured image name (a scheduled rebuild adds a date to it). */
  name: string;
  region: string;
  /** The newest image of this configuration. */
  image?: { imageId: string; name: string; buildId: string | undefined; created: string | undefined };
  config: { hash: string; built: string | undefined; changed: boolean };
  source: {
    /** What the newest image was built from (its sindri:base tag). */
    base: BaseImage | undefined;
    newer: NewerImage | undefined;
    /** The configuration names the source by ID: a build starts from it again until it is changed. */
    pinned: boolean;
    family: string | undefined;
    pattern: string | undefined;
  };
  /** What to do, a sentence each. */
  fixes: string[];
}

/** The newest Available image of this configuration: its family's newest, else of its name. */
async function newestBuilt(
  clients: CloudClients,
  region: string,
  loaded: LoadedConfig,
): Promise<SdkImage | undefined> {
  const p = loaded.config.providers.packer;
  if (p.image_family) {
    const newest = await newestOfFamily(clients, region, p.image_family);
    if (newest && isManagedBySindri(tagRecord(newest.tags))) return newest;
  }
  const mine = await selfImages(clients, region, {
    status: 'Available',
    tags: { [MANAGED_BY_KEY]: MANAGED_BY_VALUE },
  });
  return mine
    .filter((i) => sameImageName(i.imageName ?? '', p.image_name))
    .sort((a, b) => Date.parse(b.creationTime ?? '') - Date.parse(a.creationTime ?? ''))[0];
}

export async function checkOutdated(opts: OutdatedOptions): Promise<OutdatedResult> {
  const loaded = await loadConfig({ configPath: opts.configPath, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  const p = loaded.config.providers.packer;
  const region = p.alibaba.region;
  const env = opts.env ?? process.env;
  const session = openSession({ env, settings: p.alibaba });
  const clients = await session.clients(region);
  const image = await newestBuilt(clients, region, loaded);
  const tags = tagRecord(image?.tags);
  // The hash under the built image's own name: a rebuild under a new name is the same configuration.
  const asBuilt =
    image?.imageName && image.imageName !== p.image_name
      ? await loadConfig({ configPath: loaded.file, overrides: { name: image.imageName } })
      : loaded;
  const rendered = await renderConfig(asBuilt, opts.packer, {
    buildId: randomUUID(),
    sindriVersion: opts.sindriVersion,
  });
  const built = tags[CONFIG_HASH_TAG];
  const changed = image !== undefined && built !== rendered.configHash;

  let base = image ? parseBase(tags) : undefined;
  let family = base?.family;
  if (base) {
    const live = await describeAnyImage(clients, region, base.imageId);
    if (live) {
      family ??= live.imageFamily || undefined;
      base = { ...base, created: base.created ?? live.creationTime, ownerAlias: live.imageOwnerAlias };
    }
  }
  const pattern = p.alibaba.source_image_pattern;
  const newer = base ? await newerBase(clients, region, base, { family, pattern }) : undefined;
  const pinned = p.alibaba.source_image !== undefined;

  const reasons: OutdatedReason[] = [];
  if (!image) reasons.push('never-built');
  if (changed) reasons.push('config-changed');
  if (newer) reasons.push('source-newer');
  const fixes: string[] = [];
  if (!image) fixes.push(`build it: no Available image of ${p.image_name} in ${region}`);
  if (changed) fixes.push('build again: the configuration changed since the newest image was built');
  if (newer && pinned)
    fixes.push(
      `set providers.packer.alibaba.source_image to ${newer.imageId} (newer than ${base?.imageId}): a build of this configuration starts from ${p.alibaba.source_image} again`,
    );
  else if (newer) fixes.push(`build again: it starts from ${newer.imageId}, newer than ${base?.imageId}`);
  return {
    outdated: reasons.length > 0,
    rebuild: !image || changed || (newer !== undefined && !pinned),
    reasons,
    name: p.image_name,
    region,
    ...(image
      ? {
          image: {
            imageId: image.imageId as string,
            name: image.imageName ?? '',
            buildId: tags[BUILD_ID_TAG],
            created: image.creationTime,
          },
        }
      : {}),
    config: { hash: rendered.configHash, built, changed },
    source: { base, newer, pinned, family, pattern },
    fixes,
  };
}

/** The outdated verdict: exit 10 with the full report as the result. */
export async function runOutdated(opts: OutdatedOptions): Promise<OutdatedResult> {
  const result = await checkOutdated(opts);
  if (!result.outdated) return result;
  const what = result.reasons
    .map((r) =>
      r === 'never-built'
        ? 'it was never built'
        : r === 'config-changed'
          ? 'the configuration changed'
          : `a newer source image exists (${result.source.newer?.imageId})`,
    )
    .join('; ');
  throw new SindriError(`${result.name} is outdated in ${result.region}: ${what}.`, {
    code: 'ImageOutdated',
    exitCode: ExitCode.outdated,
    actions: result.fixes,
    result,
  });
}
