/**
 * What every cloud command starts from: the optional sindri.yaml and a cloud session whose region is
 * `--region`, else the configuration's, else the environment's, else cn-hangzhou.
 */
import { type CloudSession, openSession } from '../cloud/session.ts';
import type { LoadedConfig } from './load.ts';
import { hasConfigFile } from './locate.ts';
import type { AlibabaConfig } from './types.ts';

export interface WorkspaceOptions {
  /** `--config`; when omitted, `./sindri.yaml` is used if it exists. */
  configPath?: string | undefined;
  /** `--region`. */
  region?: string | undefined;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Redacted client debug lines (`--debug`). */
  debug?: ((line: string) => void) | undefined;
}

export interface Workspace extends CloudSession {
  /** The loaded sindri.yaml, when there is one. */
  loaded: LoadedConfig | undefined;
  alibaba: AlibabaConfig | undefined;
  /** The user's tags from the config (`providers.packer.tags`). */
  userTags: Record<string, string>;
}

export async function openWorkspace(opts: WorkspaceOptions = {}): Promise<Workspace> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  // The validator (ajv, yaml and the schema) is loaded only when there is a configuration to read.
  const loaded = hasConfigFile(opts.configPath, cwd)
    ? await (await import('./load.ts')).loadConfig({ configPath: opts.configPath, cwd, env })
    : undefined;
  const alibaba = loaded?.config.providers.packer.alibaba;
  const session = openSession({ env, settings: alibaba, region: opts.region, debug: opts.debug });
  return {
    ...session,
    loaded,
    alibaba,
    userTags: loaded?.config.providers.packer.tags ?? {},
  };
}
