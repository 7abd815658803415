/**
 * The template's variables: what sindri decides at run time (the candidate instance type it picked,
 * the zone, the network, the bastion's key), and the `-var` arguments the build gives packer.
 */
import { resolve } from 'node:path';
import { instanceTypes, type PackerProviderConfig } from '../config/types.ts';

export interface TemplateVariable {
  name: string;
  default: string;
  description: string;
}

/** Attributes the configuration leaves out that sindri may decide at run time, as `-var`. */
const RUNTIME_VARIABLES: Record<string, string> = {
  zone_id:
    'The zone the preflight picked where a candidate instance type and the system disk are in stock. Empty: packer picks one.',
  vpc_id:
    'The VPC of vswitch_id, which the builder needs with it, or of the network a cloud-assistant build makes. sindri looks it up and passes -var vpc_id=<id>.',
  vswitch_id:
    'An existing VSwitch of vpc_id in the zone the preflight picked, or the one a cloud-assistant build makes. Empty: packer makes one.',
  security_group_id:
    "A cloud-assistant build's security group sindri makes, with no inbound rule. Empty: packer makes one.",
};

/** The variables the template declares besides build_id. */
export function templateVariables(p: PackerProviderConfig): TemplateVariable[] {
  const a = p.alibaba;
  const candidates = instanceTypes(a);
  return [
    ...(candidates.length > 1
      ? [
          {
            name: 'instance_type',
            default: candidates[0] as string,
            description: `The candidate instance type packer launches: sindri passes the one it picked (${candidates.join(', ')}) with -var.`,
          },
        ]
      : []),
    ...Object.entries(RUNTIME_VARIABLES)
      .filter(([name]) => a[name as keyof typeof a] === undefined)
      .map(([name, description]) => ({ name, default: '', description })),
    ...(p.build.bastion?.private_key_file
      ? [
          {
            name: 'bastion_private_key_file',
            default: '',
            description:
              "The bastion's private key (build.bastion.private_key_file), as an absolute path sindri passes with -var.",
          },
        ]
      : []),
  ];
}

/** Arguments the build must give packer, e.g. ["-var", "build_id=...", "-var", "vpc_id=..."]. */
export function packerArgs(
  p: PackerProviderConfig,
  opts: { buildId: string; configDir: string; vpcId?: string | undefined },
): string[] {
  return [
    '-var',
    `build_id=${opts.buildId}`,
    ...(opts.vpcId && p.alibaba.vswitch_id && !p.alibaba.vpc_id ? ['-var', `vpc_id=${opts.vpcId}`] : []),
    // The bastion's key, by an absolute path that stays out of the template (and its hash).
    ...(p.build.bastion?.private_key_file
      ? ['-var', `bastion_private_key_file=${resolve(opts.configDir, p.build.bastion.private_key_file)}`]
      : []),
  ];
}
