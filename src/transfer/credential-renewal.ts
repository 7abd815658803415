/**
 * Temporary credentials for a long transfer: ali-oss asks for credentials before a request through
 * `refreshSTSToken`, answered by the renewer the SDK clients use too (src/cloud/credential-source.ts),
 * which resolves them again through sindri's own chain before they expire.
 */
import { homedir } from 'node:os';
import type { Renewable } from '../cloud/credential-source.ts';

export {
  type CredentialRenewerOptions,
  credentialRenewer,
  RENEW_MARGIN_MS,
  type Renewable,
} from '../cloud/credential-source.ts';

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
