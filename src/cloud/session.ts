/**
 * The one way to open a cloud session: credentials resolved once, on first use, and one client set
 * per region. Opening a session loads no SDK and makes no call.
 */
import { homedir } from 'node:os';
import type { CloudClients, CreateClientsOptions } from './clients.ts';
import type { CredentialSource } from './credential-source.ts';
import type { ResolvedCredentials } from './credentials.ts';
import type { EndpointOverrides } from './endpoints.ts';
import { FALLBACK_REGION, type RegionChoice, resolveRegion } from './region.ts';
import { judgeRegionOffline } from './regions.ts';
import { incompleteResponse } from './response.ts';

/** The part of `providers.packer.alibaba` a session reads. */
export interface SessionSettings {
  region?: string | undefined;
  credentials_profile?: string | undefined;
  endpoints?: EndpointOverrides | undefined;
}

export interface SessionOptions {
  env: NodeJS.ProcessEnv;
  home?: string;
  /** From the configuration, when there is one. */
  settings?: SessionSettings | undefined;
  /** `--region`. */
  region?: string | undefined;
  /** Redacted client debug lines (`--debug`). */
  debug?: ((line: string) => void) | undefined;
  /** Retries and timeouts of every client (doctor answers fast). */
  clientOptions?: Pick<CreateClientsOptions, 'retry' | 'connectTimeoutMs' | 'readTimeoutMs' | 'clock'>;
}

export interface CloudSession {
  /** The region the command works in unless told otherwise, and where that choice came from. */
  readonly region: string;
  readonly regionSource: RegionChoice['source'];
  /** The credentials in use now: resolved on first use, renewed before temporary ones expire. */
  credentials(): Promise<ResolvedCredentials>;
  /** One client set per region, created on first use. */
  clients(region?: string): Promise<CloudClients>;
  /**
   * Every region the account can use (`DescribeRegions`), in the API's order; never empty (an answer
   * without regions is InvalidResponse).
   */
  allRegions(): Promise<string[]>;
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= fn();
    return p;
  };
}

export function openSession(opts: SessionOptions): CloudSession {
  const { env, settings } = opts;
  const choice = resolveRegion({ flag: opts.region, configured: settings?.region, env });
  const resolve = async () =>
    (await import('./credentials.ts')).resolveCredentials({
      env,
      home: opts.home ?? env.HOME ?? homedir(),
      region: choice.region,
      ...(settings?.credentials_profile ? { profile: settings.credentials_profile } : {}),
    });
  // One source for every region's clients: temporary credentials are renewed once, for all of them,
  // through the same chain that found them.
  const source = once<CredentialSource>(async () => {
    const [initial, { credentialSource }] = await Promise.all([resolve(), import('./credential-source.ts')]);
    const clock = opts.clientOptions?.clock;
    return credentialSource({ initial, resolve, ...(clock ? { clock } : {}) });
  });
  const credentials = async () => (await source()).current();
  const byRegion = new Map<string, Promise<CloudClients>>();
  const clients = (region: string = choice.region) => {
    let c = byRegion.get(region);
    if (!c) {
      c = Promise.all([source(), import('./clients.ts')]).then(([renewing, { createClients }]) =>
        createClients({
          credentials: renewing,
          region,
          env,
          ...(settings?.endpoints ? { endpoints: settings.endpoints } : {}),
          ...(opts.debug ? { debug: opts.debug } : {}),
          ...opts.clientOptions,
        }),
      );
      byRegion.set(region, c);
    }
    return c;
  };
  // Asked in a region whose endpoint exists: ecs.<region>.aliyuncs.com of a region that does not has
  // no DNS name, which would hide the answer (the region is unknown) behind ENOTFOUND.
  const askIn = judgeRegionOffline(choice.region).kind === 'known' ? choice.region : FALLBACK_REGION;
  const allRegions = once(async () => {
    const body = await (await clients(askIn)).call('ecs', 'DescribeRegions', {});
    const ids = (body.regions?.region ?? [])
      .map((r) => r.regionId)
      .filter((id): id is string => typeof id === 'string' && id.length > 0);
    if (ids.length === 0)
      throw incompleteResponse(
        { product: 'ecs', action: 'DescribeRegions', requestId: body.requestId },
        'any region (Regions.Region[].RegionId)',
      );
    return ids;
  });
  return { region: choice.region, regionSource: choice.source, credentials, clients, allRegions };
}
