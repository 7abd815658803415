/** `sindri packer doctor --print-policy`: the minimal RAM policy a build of the configuration needs. */

import type { ConfigOverrides } from '../config/load.ts';
import { resolveConfig } from '../config/load.ts';
import type { SindriConfig } from '../config/types.ts';
import { findPacker } from '../packer/binary.ts';
import { failureCleanupActions, policyDocument, requiredActions } from '../packer/required-actions.ts';

/** A configuration with every default, for `--print-policy` without a file. */
const DEFAULT_CONFIG_TEXT =
  'version: "1.0"\nname: sindri\ndeployment:\n  provider: packer\nproviders:\n  packer:\n    cloud: alibaba\n';

export async function minimalPolicy(opts: {
  config: SindriConfig | undefined;
  configFile: string | undefined;
  overrides: ConfigOverrides;
  force: boolean;
  env: NodeJS.ProcessEnv;
}) {
  const config =
    opts.config ??
    resolveConfig({
      text: DEFAULT_CONFIG_TEXT,
      displayFile: '(defaults)',
      env: opts.env,
      overrides: opts.overrides,
    }).config;
  const packer = await findPacker(opts.env);
  const options = { ...(packer ? { packerVersion: packer.version } : {}), force: opts.force };
  const actions = requiredActions(config, options);
  const onFailure = failureCleanupActions(config, options);
  return {
    policy: policyDocument(actions),
    actions,
    onFailure,
    packerVersion: packer?.version ?? null,
    config: opts.configFile ?? null,
    /** What a person reads above the policy. */
    notes: [
      `# ${actions.length} actions for ${opts.configFile ?? 'the default configuration (no sindri.yaml)'}, packer ${packer?.version ?? '1.6.6 (assumed)'}`,
      ...(onFailure.length > 0
        ? [
            `# a build that succeeds never calls ${onFailure.map((a) => a.action).join(' or ')}; allow them too and packer can delete the half-made image of a build that fails after creating it`,
          ]
        : []),
    ],
  };
}
