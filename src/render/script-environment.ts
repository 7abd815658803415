import type { BuildConfig, ExtensionSource } from '../config/types.ts';
import { sourceVariable } from './catalogue.ts';
import { mirrorEnvironment, mirrorSet } from './mirrors.ts';
import { STAGING_DIR } from './provisioners.ts';

/**
 * The environment every provisioning script runs with, as NAME=value: build.environment (sorted), then
 * sindri's own SINDRI_* variables: the CLI version, the extensions and their sources, security, uploads,
 * mirrors.
 */
export function scriptEnvironment(
  build: BuildConfig,
  opts: {
    sindriVersion: string;
    extensions: string[];
    sources: ReadonlyMap<string, ExtensionSource>;
    /** SINDRI_FILE_<n>_* of the uploads (Uploads.environment). */
    uploads: string[];
  },
): string[] {
  const sec = build.security;
  return [
    ...Object.keys(build.environment)
      .sort()
      .map((k) => `${k}=${build.environment[k]}`),
    `SINDRI_VERSION=${build.sindri_version ?? opts.sindriVersion}`,
    `SINDRI_EXTENSIONS=${opts.extensions.join(' ')}`,
    ...opts.extensions.map((e) => `${sourceVariable(e)}=${opts.sources.get(e) ?? 'upstream'}`),
    `SINDRI_SSH_USERNAME=${build.ssh_username}`,
    `SINDRI_CIS_HARDENING=${sec.cis_hardening ? '1' : '0'}`,
    `SINDRI_CLEAN_SENSITIVE_DATA=${sec.clean_sensitive_data ? '1' : '0'}`,
    `SINDRI_REMOVE_SSH_KEYS=${sec.remove_ssh_keys ? '1' : '0'}`,
    `SINDRI_STAGING=${STAGING_DIR}`,
    `SINDRI_FILE_COUNT=${build.files.length}`,
    ...opts.uploads,
    ...(mirrorSet(build) !== undefined ? mirrorEnvironment(build) : []),
  ];
}
