/**
 * Temporary credentials for a long transfer. An STS session lasts 900 s to the role's
 * MaxSessionDuration (3600 s by default; sts `AssumeRoleRequest.durationSeconds`), and an export plus
 * its download can take hours. ali-oss asks for credentials before a request through
 * `refreshSTSToken`; this answers with the current ones while they have more than `marginMs` left
 * (15 minutes, `STALE_TIME` of @alicloud/credentials `SessionCredentialProvider`), else resolves them
 * again through sindri's own credential chain (a new AssumeRole, a new metadata-service read, …).
 * A failed renewal keeps the old credentials while they are still valid.
 */
import { homedir } from 'node:os';
import type { Clock } from '../cloud/clock.ts';
import { realClock } from '../cloud/clock.ts';
import type { ResolvedCredentials } from '../cloud/credentials.ts';
import { CloudError } from '../cloud/errors.ts';

export const RENEW_MARGIN_MS = 15 * 60 * 1000;

export type Renewable = Pick<
  ResolvedCredentials,
  'accessKeyId' | 'accessKeySecret' | 'securityToken' | 'expiration'
>;

export interface CredentialRenewerOptions {
  initial: Renewable;
  /** Resolves the credentials again (for the CLI: the same chain that found `initial`). */
  resolve: () => Promise<Renewable>;
  clock?: Pick<Clock, 'now'>;
  marginMs?: number;
}

/**
 * Returns a function giving credentials that are not about to expire. Without an `expiration` the
 * credentials are resolved again on every call (ali-oss calls at most once per refresh interval).
 */
export function credentialRenewer(opts: CredentialRenewerOptions): () => Promise<Renewable> {
  const clock = opts.clock ?? realClock;
  const margin = opts.marginMs ?? RENEW_MARGIN_MS;
  let current = opts.initial;
  let pending: Promise<Renewable> | undefined;
  const fresh = (c: Renewable) => c.expiration !== undefined && c.expiration.getTime() - clock.now() > margin;
  const stillValid = (c: Renewable) => c.expiration === undefined || c.expiration.getTime() > clock.now();

  return async () => {
    if (fresh(current)) return current;
    pending ??= (async () => {
      try {
        current = await opts.resolve();
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

/** Resolves the session's credentials again, with the inputs `openSession` used. */
export function resolveAgain(opts: {
  env: NodeJS.ProcessEnv;
  region: string;
  profile?: string | undefined;
}): () => Promise<Renewable> {
  return async () => {
    const { resolveCredentials } = await import('../cloud/credentials.ts');
    return resolveCredentials({
      env: opts.env,
      home: opts.env.HOME ?? homedir(),
      region: opts.region,
      ...(opts.profile ? { profile: opts.profile } : {}),
    });
  };
}
