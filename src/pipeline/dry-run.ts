/**
 * `sindri packer build --dry-run`: the template renders and passes the real `packer validate`, and the
 * plan of the build is worked out without changing anything: a cache hit or miss and why, what
 * --force would replace, the regions, shares and encryption of the distribution, what retention
 * would deprecate or delete, and the test stage. The account is read (DescribeImages) when
 * credentials are configured; otherwise those parts say why they are unknown.
 */
import { openSession } from '../cloud/session.ts';
import { ConfigError } from '../config/errors.ts';
import type { LoadedConfig } from '../config/load.ts';
import { errorText } from '../errors.ts';
import { imagesNamed, isManagedBySindri, selfImages, toImageRow } from '../images/images.ts';
import { planRetention, type RetentionAction } from '../images/retention.ts';
import { CONFIG_HASH_TAG } from '../images/tags.ts';
import type { PackerBinary } from '../packer/binary.ts';
import { checkRenderedTemplate } from './check-template.ts';
import { planFrom, testSettingsFrom } from './context.ts';

export interface DryRunPlan {
  region: string;
  imageName: string;
  /** `hit`: the build would reuse `imageId`; `miss`: packer would run; `unknown`: the account was not read. */
  cache: { result: 'hit' | 'miss' | 'off' | 'unknown'; reason: string; imageId?: string };
  /** Images holding the name: the build stops on them, --force replaces them. */
  sameName: { imageIds: string[]; withoutForce: string; withForce: string } | { unknown: string };
  copyRegions: string[];
  shareAccounts: string[];
  encrypted: boolean;
  retention: { actions: RetentionAction[] } | { unknown: string } | { none: true };
  test: { enabled: boolean; checks: number; extensionChecks: number; sbom: boolean };
}

export interface DryRunResult {
  dryRun: true;
  valid: true;
  configHash: string;
  plan: DryRunPlan;
}

export async function dryRun(
  loaded: LoadedConfig,
  packer: PackerBinary,
  sindriVersion: string,
  opts: { force?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<DryRunResult> {
  const check = await checkRenderedTemplate(loaded, packer, { syntaxOnly: false, sindriVersion });
  if (check.problems.length > 0) throw new ConfigError(check.problems);
  const { config } = loaded;
  const p = config.providers.packer;
  const region = p.alibaba.region;
  const force = opts.force ?? false;
  const distribution = planFrom(config, { force });
  const testing = testSettingsFrom(config, { sindriVersion });
  const plan: DryRunPlan = {
    region,
    imageName: p.image_name,
    cache: { result: 'unknown', reason: '' },
    sameName: { unknown: '' },
    copyRegions: [...distribution.copyRegions],
    shareAccounts: [...distribution.shareAccounts],
    encrypted: distribution.encrypted,
    retention: distribution.retention ? { unknown: '' } : { none: true },
    test: {
      enabled: testing.tests.enabled,
      checks: testing.tests.checks?.length ?? 0,
      extensionChecks: testing.tests.builtin ? testing.extensionChecks.length : 0,
      sbom: testing.tests.sbom ?? false,
    },
  };
  try {
    const session = openSession({ env: opts.env ?? process.env, settings: p.alibaba });
    await session.credentials();
    const clients = await session.clients(region);
    const [cached, named] = await Promise.all([
      selfImages(clients, region, { tags: { [CONFIG_HASH_TAG]: check.configHash }, status: 'Available' }),
      imagesNamed(clients, region, p.image_name),
    ]);
    const hit = cached[0]?.imageId;
    plan.cache = !p.build.cache
      ? { result: 'off', reason: 'build.cache is false: packer always runs' }
      : force && hit
        ? { result: 'miss', reason: `--force ignores the cache (${hit} has this configuration)` }
        : hit
          ? {
              result: 'hit',
              imageId: hit,
              reason: `${hit} was built from this configuration (hash ${check.configHash.slice(0, 12)})`,
            }
          : {
              result: 'miss',
              reason: `no image in ${region} was built from this configuration (hash ${check.configHash.slice(0, 12)})`,
            };
    const ids = named.map((i) => i.imageId as string);
    plan.sameName = {
      imageIds: ids,
      withoutForce:
        ids.length === 0 || plan.cache.result === 'hit'
          ? 'nothing stops the build'
          : `the build stops: ${ids.join(', ')} holds the name ${p.image_name}`,
      withForce:
        ids.length === 0
          ? 'nothing to replace'
          : `replaces ${ids.join(', ')} (deleted once the new image exists)`,
    };
    if (distribution.retention) {
      const regions = [region, ...distribution.copyRegions];
      const actions = await Promise.all(
        regions.map(async (r) => {
          const images = await selfImages(await session.clients(r), r, { tags: { ManagedBy: 'sindri' } });
          const rows = images.map((i) => toImageRow(r, i)).filter((row) => isManagedBySindri(row.tags));
          return planRetention(
            r,
            rows.map((row) => ({ row, inUse: false })),
            {
              imageName: p.image_name,
              buildId: '',
              exclude: new Set(plan.cache.result === 'hit' && hit ? [hit] : []),
              policy: distribution.retention ?? {},
              force,
              now: Date.now(),
            },
          );
        }),
      );
      plan.retention = { actions: actions.flat() };
    }
  } catch (err) {
    const why = `the account was not read: ${errorText(err)}`;
    plan.cache = { result: 'unknown', reason: why };
    plan.sameName = { unknown: why };
    if (distribution.retention) plan.retention = { unknown: why };
  }
  return { dryRun: true, valid: true, configHash: check.configHash, plan };
}

/** The plan for people, a line each. */
export function describePlan(plan: DryRunPlan, force: boolean): string[] {
  const lines = [`build ${plan.imageName} in ${plan.region}${force ? ' (--force)' : ''}`];
  lines.push(`  cache:       ${plan.cache.result}: ${plan.cache.reason}`);
  if ('unknown' in plan.sameName) lines.push(`  name:        unknown (${plan.sameName.unknown})`);
  else
    lines.push(
      `  name:        ${force ? plan.sameName.withForce : plan.sameName.withoutForce}`,
      ...(force || plan.sameName.imageIds.length === 0 ? [] : [`  --force:     ${plan.sameName.withForce}`]),
    );
  lines.push(
    `  test stage:  ${
      plan.test.enabled
        ? `${plan.test.checks} check(s) of sindri.yaml and ${plan.test.extensionChecks} of the extensions on an instance of the image${plan.test.sbom ? ', with an SBOM' : ''}`
        : 'off (tests.enabled is false)'
    }`,
  );
  lines.push(
    `  regions:     ${[plan.region, ...plan.copyRegions].join(', ')}${plan.encrypted ? ' (encrypted copies)' : ''}`,
  );
  lines.push(`  shares:      ${plan.shareAccounts.length === 0 ? 'none' : plan.shareAccounts.join(', ')}`);
  const r = plan.retention;
  if ('none' in r) lines.push('  retention:   no policy: older images stay');
  else if ('unknown' in r) lines.push(`  retention:   unknown (${r.unknown})`);
  else {
    const acting = r.actions.filter(
      (a) => a.action === 'deprecate' || a.action === 'delete' || a.action === 'skip',
    );
    lines.push(
      `  retention:   ${acting.length === 0 ? 'nothing to retire' : `${acting.length} older image(s):`}`,
    );
    for (const a of acting)
      lines.push(`    ${a.action} ${a.imageId} ${a.name} (${a.region}): ${a.reason ?? ''}`);
  }
  lines.push('nothing was built or changed (dry run)');
  return lines;
}
