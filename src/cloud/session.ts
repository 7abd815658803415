/**
 * The one way to open a cloud session: credentials resolved once, on first use, and one client set
 * per region. Opening a session loads no SDK and makes no call.
 */
import { homedir } from 'node:os';
import type { CloudClients, CreateClientsOptions } from './clients.ts';
import type { CredentialSource } from './credential-source.ts';
import type { ResolvedCredentials } from './credentials.ts';
import type { EndpointOverrides } from './endpoints.ts';
import { type RegionChoice, resolveRegion } from './region.ts';

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
  /** Every region the account can use (`DescribeRegions`), in the API's order. */
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
  const allRegions = once(async () => {
    const body = await (await clients()).call('ecs', 'DescribeRegions', {});
    return (body.regions?.region ?? [])
      .map((r) => r.regionId)
      .filter((id): id is string => typeof id === 'string' && id.length > 0);
  });
  return { region: choice.region, regionSource: choice.source, credentials, clients, allRegions };
}
