/**
 * `sindri init`: what the account offers (regions, zones, instance types) for the questions, and
 * writing the file without ever replacing one unless told to.
 */
import { writeFile } from 'node:fs/promises';
import { openSession } from '../cloud/session.ts';
import { UsageError } from '../errors.ts';
import { byCodeUnits } from '../util/order.ts';

export interface Region {
  id: string;
  name: string;
}

/** The account's answers, fetched on demand (each at most once). */
export interface AccountChoices {
  /** Where the credentials came from (`env:ALICLOUD_ACCESS_KEY`). */
  source: string;
  regions(): Promise<Region[]>;
  zones(region: string): Promise<string[]>;
  /** Instance types on sale (pay-as-you-go, in stock) in a zone, or in any zone of the region. */
  instanceTypes(region: string, zone?: string): Promise<string[]>;
}

/**
 * The account's choices, or undefined (with why) when no credentials are configured or the account
 * cannot be reached: then `init` offers the defaults and checks nothing against the account.
 */
export async function accountChoices(opts: {
  env: NodeJS.ProcessEnv;
  region?: string | undefined;
}): Promise<{ choices?: AccountChoices; why?: string }> {
  const session = openSession({
    env: opts.env,
    region: opts.region,
    clientOptions: { retry: { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 1000 }, readTimeoutMs: 10_000 },
  });
  let source: string;
  let regions: Region[];
  try {
    source = (await session.credentials()).source;
    const body = await (await session.clients()).call('ecs', 'DescribeRegions', {});
    regions = (body.regions?.region ?? [])
      .filter((r) => typeof r.regionId === 'string' && r.regionId !== '')
      .map((r) => ({ id: String(r.regionId), name: String(r.localName ?? r.regionId) }))
      .sort((a, b) => byCodeUnits(a.id, b.id));
  } catch (err) {
    const code = (err as { code?: string }).code;
    return {
      why:
        code === 'CredentialsNotFound'
          ? 'no credentials are configured'
          : `the account could not be asked (${code ?? (err as Error).message})`,
    };
  }
  const memo = new Map<string, Promise<string[]>>();
  const once = (key: string, fn: () => Promise<string[]>) => {
    if (!memo.has(key)) memo.set(key, fn());
    return memo.get(key) as Promise<string[]>;
  };
  return {
    choices: {
      source,
      regions: async () => regions,
      zones: (region) =>
        once(`z:${region}`, async () => {
          const body = await (await session.clients(region)).call('ecs', 'DescribeZones', {
            regionId: region,
          });
          return (body.zones?.zone ?? []).flatMap((z) => (z.zoneId ? [z.zoneId] : [])).sort();
        }),
      instanceTypes: (region, zone) =>
        once(`t:${region}:${zone ?? ''}`, async () => {
          const body = await (await session.clients(region)).call('ecs', 'DescribeAvailableResource', {
            regionId: region,
            destinationResource: 'InstanceType',
            instanceChargeType: 'PostPaid',
            ioOptimized: 'optimized',
            ...(zone ? { zoneId: zone } : {}),
          });
          const types = new Set<string>();
          for (const z of body.availableZones?.availableZone ?? []) {
            if (z.status === 'SoldOut') continue;
            for (const r of z.availableResources?.availableResource ?? [])
              for (const s of r.supportedResources?.supportedResource ?? [])
                if (s.value && s.status === 'Available') types.add(s.value);
          }
          return [...types].sort(compareInstanceTypes);
        }),
    },
  };
}

/** `ecs.g6.large` before `ecs.g6.xlarge` before `ecs.g6.2xlarge`: by family, then by size. */
export function compareInstanceTypes(a: string, b: string): number {
  const size = (t: string) => {
    const s = t.split('.')[2] ?? '';
    const order = ['small', 'medium', 'large', 'xlarge'];
    const n = /^(\d+)xlarge$/.exec(s);
    return n ? 3 + Number(n[1]) : Math.max(0, order.indexOf(s));
  };
  const family = (t: string) => t.split('.')[1] ?? '';
  return byCodeUnits(family(a), family(b)) || size(a) - size(b) || byCodeUnits(a, b);
}

/** Writes a new file; an existing one is replaced only with `force` (else exit 2, nothing written). */
export async function writeNewFile(path: string, shown: string, text: string, force: boolean): Promise<void> {
  try {
    await writeFile(path, text, { flag: force ? 'w' : 'wx', mode: 0o644 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw existsError(shown);
    throw err;
  }
}

export function existsError(shown: string): UsageError {
  return new UsageError(
    `${shown} already exists; sindri init does not replace it.`,
    `pass --force to overwrite it, or --out FILE to write another file`,
  );
}
