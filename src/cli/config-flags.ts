import { Flags } from '@oclif/core';
import type { ConfigOverrides } from '../config/load.ts';

/** The guide's flags that override sindri.yaml values (flags > file > environment > defaults). */
export const configFlags = {
  config: Flags.string({ char: 'c', description: 'Path to the config file [default: ./sindri.yaml]' }),
  name: Flags.string({ description: 'Image name (providers.packer.image_name)' }),
  region: Flags.string({ description: 'Build region (providers.packer.alibaba.region)' }),
  'instance-type': Flags.string({
    description: 'Build instance type (providers.packer.alibaba.instance_type)',
  }),
  'disk-size': Flags.integer({
    description: 'System disk size in GB (providers.packer.alibaba.system_disk_size_gb)',
  }),
  profile: Flags.string({ description: 'Extension profile (extensions.profile)' }),
  extensions: Flags.string({ description: 'Comma-separated extensions to add (extensions.additional)' }),
  'cis-hardening': Flags.boolean({
    description: 'Apply CIS level 1 hardening (providers.packer.build.security.cis_hardening)',
    allowNo: true,
  }),
};

export interface ConfigFlagValues {
  config?: string;
  name?: string;
  region?: string;
  'instance-type'?: string;
  'disk-size'?: number;
  profile?: string;
  extensions?: string;
  'cis-hardening'?: boolean;
}

export function overridesFromFlags(flags: ConfigFlagValues): ConfigOverrides {
  const overrides: ConfigOverrides = {};
  if (flags.name !== undefined) overrides.name = flags.name;
  if (flags.region !== undefined) overrides.region = flags.region;
  if (flags['instance-type'] !== undefined) overrides.instanceType = flags['instance-type'];
  if (flags['disk-size'] !== undefined) overrides.diskSize = flags['disk-size'];
  if (flags.profile !== undefined) overrides.profile = flags.profile;
  if (flags.extensions !== undefined) {
    overrides.extensions = flags.extensions
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name.length > 0);
  }
  if (flags['cis-hardening'] !== undefined) overrides.cisHardening = flags['cis-hardening'];
  return overrides;
}
