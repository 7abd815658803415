/**
 * Credentials that stay valid for as long as a command runs. An STS session lasts 900 s up to the
 * role's MaxSessionDuration, one hour by default (sts `AssumeRoleRequest.durationSeconds`), and ECS
 * instance-role credentials are rotated by the metadata service, while a distribution or an export
 * can take hours. Temporary credentials are therefore renewed through sindri's own chain (a new
 * AssumeRole or AssumeRoleWithOIDC, a new metadata read) before they expire, as @alicloud/credentials
 * does: 15 minutes before (`STALE_TIME` of `providers/session.js` `SessionCredentialProvider`, used
 * by its RAM-role and OIDC providers), 60 minutes for ECS metadata credentials (`PREFETCH_TIME` of
 * `providers/ecs_ram_role.js`). A failed renewal keeps the old credentials while they are still valid.
 *
 * The SDK clients and the OSS client share one mechanism: the SDK asks its `credential` before every
 * request (openapi-core `Client` calls `credential.getCredential()` per request), ali-oss through
 * `refreshSTSToken`.
 */
import { type Clock, realClock } from './clock.ts';
import type { ResolvedCredentials } from './credentials.ts';
import { CloudError } from './errors.ts';
import { credentialSecrets } from './redact.ts';

export const RENEW_MARGIN_MS = 15 * 60 * 1000;
export const ECS_METADATA_RENEW_MARGIN_MS = 60 * 60 * 1000;

export type Renewable = Pick<
  ResolvedCredentials,
  'accessKeyId' | 'accessKeySecret' | 'securityToken' | 'expiration'
>;

/** How long before expiry credentials of this source are renewed. */
export function renewalMarginMs(source: string): number {
  return /ecs-ram-role|EcsRamRole|ecs_ram_role/.test(source) ? ECS_METADATA_RENEW_MARGIN_MS : RENEW_MARGIN_MS;
}

export interface CredentialRenewerOptions<C extends Renewable> {
  initial: C;
  /** Resolves the credentials again (for the CLI: the same chain that found `initial`). */
  resolve: () => Promise<C>;
  clock?: Pick<Clock, 'now'>;
  marginMs?: number;
}

/**
 * Returns a function giving credentials that are not about to expire. Without an `expiration` the
 * credentials are resolved again on every call (ali-oss calls at most once per refresh interval).
 */
export function credentialRenewer<C extends Renewable>(opts: CredentialRenewerOptions<C>): () => Promise<C> {
  const clock = opts.clock ?? realClock;
  const margin = opts.marginMs ?? RENEW_MARGIN_MS;
  let current = opts.initial;
  // When the initial credentials were issued is not known: they get the whole margin.
  let obtainedAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<C> | undefined;
  // A session shorter than twice the margin (STS allows 900 s) is renewed at half its life, not on
  // every request.
  const fresh = (c: C) => {
    if (c.expiration === undefined) return false;
    const left = c.expiration.getTime() - clock.now();
    return left > Math.min(margin, (c.expiration.getTime() - obtainedAt) / 2);
  };
  const stillValid = (c: C) => c.expiration === undefined || c.expiration.getTime() > clock.now();

  return async () => {
    if (fresh(current)) return current;
    pending ??= (async () => {
      try {
        current = await opts.resolve();
        obtainedAt = clock.now();
        return current;
      } catch (err) {
        if (stillValid(current)) return current;
        throw err instanceof CloudError
          ? err
          : new CloudError({
              code: 'CredentialsRenewalFailed',
              message: `the temporary credentials expired and could not be renewed: ${err instanceof Error ? err.message : String(err)}`,
            });
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}

/** The credentials a client signs with, and every secret they have had (for redaction). */
export interface CredentialSource {
  /** Which source won (`ResolvedCredentials.source`). */
  readonly source: string;
  /** The credentials for the next request. */
  current(): Promise<ResolvedCredentials>;
  /** Every access key, secret and token handed out so far, to be kept out of messages. */
  readonly secrets: readonly string[];
}

function remember(secrets: string[], c: ResolvedCredentials): ResolvedCredentials {
  for (const s of credentialSecrets(c)) if (!secrets.includes(s)) secrets.push(s);
  return c;
}

/**
 * Credentials renewed before they expire when they are temporary and `resolve` can get new ones;
 * otherwise (long-lived keys, or a token given as such) the same credentials throughout.
 */
export function credentialSource(opts: {
  initial: ResolvedCredentials;
  resolve?: (() => Promise<ResolvedCredentials>) | undefined;
  clock?: Pick<Clock, 'now'> | undefined;
}): CredentialSource {
  const secrets: string[] = [];
  const { initial, resolve } = opts;
  remember(secrets, initial);
  if (!resolve || initial.expiration === undefined) {
    return { source: initial.source, secrets, current: async () => initial };
  }
  const renew = credentialRenewer({
    initial,
    resolve,
    marginMs: renewalMarginMs(initial.source),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return { source: initial.source, secrets, current: async () => remember(secrets, await renew()) };
}

export function isCredentialSource(v: ResolvedCredentials | CredentialSource): v is CredentialSource {
  return typeof (v as CredentialSource).current === 'function';
}
