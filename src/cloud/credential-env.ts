/** Small pieces of the credential chain: its errors and the environment variables it reads. */
import type { ResolvedCredentials } from './credential-types.ts';
import { CloudError } from './errors.ts';

export function credError(code: string, message: string): CloudError {
  return new CloudError({ code, message });
}

export function truthy(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes'].includes(v.trim().toLowerCase());
}

export function val(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

export function sessionName(env: NodeJS.ProcessEnv): string {
  return val(env, 'ALIBABA_CLOUD_ROLE_SESSION_NAME') ?? `sindri-${Date.now()}`;
}

/**
 * ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION: how long an assumed role's session lasts, in seconds (STS
 * allows 900 up to the role's MaxSessionDuration, at most 43200). Unset: STS's default, one hour,
 * which a longer build or distribution outlives.
 */
export function sessionDuration(env: NodeJS.ProcessEnv): { durationSeconds?: number } {
  const raw = val(env, 'ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION');
  if (raw === undefined) return {};
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 900 || seconds > 43_200)
    throw credError(
      'InvalidSessionDuration',
      `ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION must be a whole number of seconds from 900 to 43200, got "${raw}".`,
    );
  return { durationSeconds: seconds };
}

/** A pair of environment variables: both or neither. */
export function envPair(
  env: NodeJS.ProcessEnv,
  idVar: string,
  secretVar: string,
  tokenVars: string[],
): ResolvedCredentials | undefined {
  const id = val(env, idVar);
  const secret = val(env, secretVar);
  if (!id && !secret) return undefined;
  if (!id || !secret) {
    const missing = id ? secretVar : idVar;
    const present = id ? idVar : secretVar;
    throw credError('CredentialsIncomplete', `${present} is set but ${missing} is not; set both or neither.`);
  }
  const token = tokenVars.map((t) => val(env, t)).find(Boolean);
  return { accessKeyId: id, accessKeySecret: secret, securityToken: token, source: `env:${idVar}` };
}
