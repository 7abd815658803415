/**
 * The RAM actions a build of one configuration needs: the single source of truth for
 * `sindri packer doctor --print-policy` and for the doctor's RAM check.
 *
 * Derived from what the packer 1.6.6 alicloud-ecs builder calls (every call, VPC and EIP ones
 * included, goes to the ECS API in 1.6.6) and what sindri itself calls around packer. The emulator's
 * request log of real builds checks it (test/doctor/actions-emulator.test.ts).
 */
import type { SindriConfig } from '../config/types.ts';
import { byCodeUnits } from '../util/order.ts';
import { packerSupportsRequiredPlugins } from './binary.ts';

export interface RequiredAction {
  /** `ecs:CreateImage` */
  action: string;
  /** Why the build calls it, for people. */
  why: string;
}

export interface RequiredActionsOptions {
  /** The packer that will run the build (default: 1.6.6, whose builder calls only the ECS API). */
  packerVersion?: string;
  /** The build runs with --force: sindri deletes the earlier image of the same name first. */
  force?: boolean;
  /** Leave out the test stage's own actions (packer's and the distribution's only). */
  withoutTestStage?: boolean;
}

/** Network actions the ECS API of 2014-05-26 also serves (packer 1.6.6 calls them there). */
export const NETWORK_ACTIONS = new Set([
  'CreateVpc',
  'DescribeVpcs',
  'DeleteVpc',
  'CreateVSwitch',
  'DescribeVSwitches',
  'DeleteVSwitch',
  'AllocateEipAddress',
  'DescribeEipAddresses',
  'AssociateEipAddress',
  'UnassociateEipAddress',
  'ReleaseEipAddress',
]);

/**
 * Every action a build of `config` calls, each once, sorted. Packer >= 1.7 (the alicloud plugin)
 * sends the network actions to the VPC API, so they are named `vpc:` there.
 */
export function requiredActions(config: SindriConfig, opts: RequiredActionsOptions = {}): RequiredAction[] {
  const a = config.providers.packer.alibaba;
  const plugin = opts.packerVersion !== undefined && packerSupportsRequiredPlugins(opts.packerVersion);
  const out = new Map<string, string>();
  const add = (action: string, why: string) => {
    const name = plugin && NETWORK_ACTIONS.has(action) ? `vpc:${action}` : `ecs:${action}`;
    if (!out.has(name)) out.set(name, why);
  };
  // sindri's own calls go to the ECS API whatever the packer.
  const ecs = (action: string, why: string) => {
    if (!out.has(`ecs:${action}`)) out.set(`ecs:${action}`, why);
  };
  // The test stage makes its network through the VPC API, whatever packer does.
  const vpc = (action: string, why: string) => {
    if (!out.has(`vpc:${action}`)) out.set(`vpc:${action}`, why);
  };

  const mode = config.providers.packer.build.communicator;
  const assistant = mode === 'cloud-assistant';
  // A cloud-assistant build makes its security group (no inbound rule), and its VPC and VSwitch when
  // none is configured (build-network.ts).
  const ownGroup = assistant && !a.security_group_id;
  const ownVpc = ownGroup && !a.vpc_id && !a.vswitch_id;

  // Preflight (sindri) and packer's own checks.
  add('DescribeImages', 'cache and image-name checks, source image lookup, waiting for the new image');
  add('DescribeRegions', 'packer validates the region');
  ecs('DescribeAvailableResource', 'sindri finds the zones that have each candidate instance type in stock');
  ecs('DescribeAccountAttributes', 'sindri checks the pay-as-you-go vCPU quota');
  ecs('DescribeInstanceTypes', "sindri reads the candidates' vCPUs for the quota");
  if ((a.vswitch_id && !a.zone_id) || (a.vpc_id && !a.vswitch_id))
    ecs('DescribeVSwitches', "sindri reads the VSwitch's zone, or the VPC's VSwitches, for the placement");

  // Temporary key pair (the builder makes one with no communicator too).
  add('CreateKeyPair', 'packer creates a temporary SSH key pair');
  add('AttachKeyPair', 'packer attaches the key pair to the build instance');
  add('DetachKeyPair', 'packer detaches the key pair during cleanup');
  add('DeleteKeyPairs', 'packer deletes the temporary key pair');

  // Network: an existing VPC is only read, otherwise a temporary one is created and deleted.
  if (ownVpc) {
    vpc('CreateVpc', 'sindri makes the VPC of the cloud-assistant build (no vpc_id)');
    vpc('DescribeVpcs', 'sindri waits for its VPC');
    vpc('CreateVSwitch', 'sindri makes a VSwitch in the zone of each launch');
    vpc('DescribeVSwitches', 'sindri waits for its VSwitch');
    ecs('DeleteVSwitch', 'sindri deletes its VSwitches');
    ecs('DeleteVpc', 'sindri deletes its VPC');
    add('DescribeVpcs', 'packer reads the VPC sindri made');
    add('DescribeVSwitches', 'packer reads the VSwitch sindri made');
  } else {
    add('DescribeVpcs', a.vpc_id ? 'packer reads vpc_id' : 'packer waits for the temporary VPC');
    // A VSwitch without vpc_id: sindri looks its VPC up and passes it, so packer makes none.
    if (!a.vpc_id && !a.vswitch_id) {
      add('CreateVpc', 'packer creates a temporary VPC (no vpc_id)');
      add('DeleteVpc', 'packer deletes the temporary VPC');
    }
    add(
      'DescribeVSwitches',
      a.vswitch_id ? 'packer reads vswitch_id' : 'packer waits for the temporary VSwitch',
    );
    if (!a.vswitch_id) {
      add('CreateVSwitch', 'packer creates a temporary VSwitch (no vswitch_id)');
      add('DeleteVSwitch', 'packer deletes the temporary VSwitch');
    }
  }
  if (a.security_group_id || ownGroup) {
    add(
      'DescribeSecurityGroups',
      ownGroup ? 'packer reads the security group sindri made' : 'packer reads security_group_id',
    );
  } else {
    add('CreateSecurityGroup', 'packer creates a temporary security group (no security_group_id)');
    add('AuthorizeSecurityGroup', 'packer opens SSH in the temporary security group');
    add('AuthorizeSecurityGroupEgress', 'packer opens egress in the temporary security group');
    add('DeleteSecurityGroup', 'packer deletes the temporary security group');
  }
  if (ownGroup) {
    ecs(
      'CreateSecurityGroup',
      'sindri makes the security group of the cloud-assistant build (no inbound rule)',
    );
    ecs('DeleteSecurityGroup', 'sindri deletes its security group');
  }

  // The build instance and its public address (packer 1.6.6 always uses a temporary EIP in a VPC,
  // unless ssh_private_ip; the plugin only with associate_public_ip_address).
  add('CreateInstance', 'packer creates the build instance');
  add('DescribeInstances', 'packer waits for the build instance');
  add('StartInstance', 'packer starts the build instance');
  add('StopInstance', 'packer stops the instance before imaging it');
  add('DeleteInstance', 'packer deletes the build instance');
  if (mode === 'ssh' || (mode === 'ssh-private' && plugin && a.associate_public_ip_address)) {
    add('AllocateEipAddress', 'packer allocates a temporary EIP for SSH');
    add('DescribeEipAddresses', 'packer waits for the EIP');
    add('AssociateEipAddress', 'packer binds the EIP to the build instance');
    add('UnassociateEipAddress', 'packer unbinds the EIP during cleanup');
    add('ReleaseEipAddress', 'packer releases the EIP');
  }
  if (assistant) {
    ecs('DescribeInstances', 'the Cloud Assistant helper finds the build instance by its name');
    ecs('DescribeCloudAssistantStatus', 'sindri waits for the Cloud Assistant agent');
    ecs('SendFile', 'sindri sends the scripts and uploads through Cloud Assistant');
    ecs('DescribeSendFileResults', 'sindri waits for each file to arrive');
    ecs('RunCommand', 'sindri runs each provisioning script through Cloud Assistant');
    ecs('DescribeInvocationResults', "sindri reads each script's exit code and output");
  }

  // sindri records what the build started from on the new image (sindri:base).
  if (a.image_family && !a.source_image)
    ecs('DescribeImageFromFamily', "sindri looks up image_family's newest image, the build's base");
  ecs('TagResources', 'sindri records the image the build started from on the new image (sindri:base)');

  // The image.
  add('CreateImage', 'packer creates the image');
  add('AddTags', 'packer tags the image and its snapshots');
  add('ModifyImageSharePermission', 'packer sets the image share permission (always, even with no accounts)');

  // sindri's distribution step.
  if (a.image_copy_regions.length > 0) {
    add('CopyImage', 'sindri copies the image to image_copy_regions');
  }
  if (a.image_share_accounts.length > 0) {
    add('DescribeImageSharePermission', 'sindri verifies sharing with image_share_accounts');
  }
  if (config.providers.packer.image_family) {
    add('ModifyImageAttribute', 'sindri puts the image and each copy in providers.packer.image_family');
  }
  if (a.resource_group_id) {
    add('JoinResourceGroup', 'sindri moves the image into resource_group_id');
  }
  if (a.image_encrypted) {
    add('CopyImage', 'sindri makes the encrypted copy in the build region (image_encrypted)');
    add('ModifyImageAttribute', 'sindri renames the unencrypted intermediate image');
    add('DeleteImage', 'sindri deletes the unencrypted intermediate image');
    add('DeleteSnapshot', "sindri deletes the intermediate image's snapshots");
  }
  const retention = config.providers.packer.retention;
  if (retention) {
    add('DescribeImageSharePermission', 'retention checks who older images are shared with');
    add('ModifyImageSharePermission', 'retention unshares older images before it deprecates or deletes them');
    if (retention.keep !== undefined)
      add('ModifyImageAttribute', 'retention deprecates the images beyond retention.keep');
    if (retention.delete_after_days !== undefined) {
      add('DeleteImage', 'retention deletes the images older than retention.delete_after_days');
      add('DeleteSnapshot', "retention deletes those images' snapshots");
    }
  }
  if (config.tests.enabled && !opts.withoutTestStage) {
    if (!assistant) {
      ecs('ImportKeyPair', 'the test stage imports a key pair for its instance');
      ecs('DeleteKeyPairs', 'the test stage deletes its key pair');
    } else {
      ecs('DescribeCloudAssistantStatus', 'the test stage waits for the Cloud Assistant agent');
      ecs('RunCommand', 'the test stage runs its checks through Cloud Assistant');
      ecs('DescribeInvocationResults', "the test stage reads each check's exit code and output");
    }
    ecs('RunInstances', 'the test stage starts an instance of the new image');
    ecs('DescribeInstances', 'the test stage waits for its instance');
    ecs('DeleteInstance', 'the test stage deletes its instance');
    ecs('TagResources', 'the test stage tags the image sindri:test (and sindri:sbom)');
    if (a.vswitch_id && !a.security_group_id) {
      ecs('CreateSecurityGroup', "the test stage makes a security group in the VSwitch's VPC");
      if (!assistant) ecs('AuthorizeSecurityGroup', 'the test stage lets SSH into its instance');
      ecs('DeleteSecurityGroup', 'the test stage deletes its security group');
    }
    if (!a.vswitch_id) {
      vpc(
        'CreateVpc',
        'the test stage makes a network for its instance (no vswitch_id and security_group_id)',
      );
      vpc('DescribeVpcs', 'the test stage waits for its VPC');
      ecs('DeleteVpc', 'the test stage deletes its VPC');
      vpc('CreateVSwitch', 'the test stage makes a VSwitch');
      vpc('DescribeVSwitches', 'the test stage waits for its VSwitch');
      ecs('DeleteVSwitch', 'the test stage deletes its VSwitch');
      ecs('CreateSecurityGroup', 'the test stage makes a security group');
      if (!assistant) ecs('AuthorizeSecurityGroup', 'the test stage lets SSH into its instance');
      ecs('DeleteSecurityGroup', 'the test stage deletes its security group');
    }
  }
  if (opts.force) {
    add('ModifyImageAttribute', '--force: the earlier image gives its name up, the new one takes it');
    add('DeleteImage', '--force: sindri deletes the earlier image of the same name and its copies');
    add('DeleteSnapshot', "--force: sindri deletes that image's snapshots");
    add(
      'DescribeImageSharePermission',
      '--force: sindri unshares that image first (DeleteImage refuses a shared one)',
    );
    add('ModifyImageSharePermission', '--force: sindri unshares that image first');
  }

  return [...out.entries()]
    .map(([action, why]) => ({ action, why }))
    .sort((x, y) => byCodeUnits(x.action, y.action));
}

/**
 * Actions a successful build never calls, so they are not in the minimal policy: packer calls them
 * to delete the image it made when the build fails or is interrupted after CreateImage.
 */
export function failureCleanupActions(
  config: SindriConfig,
  opts: RequiredActionsOptions = {},
): RequiredAction[] {
  const needed = new Set(requiredActions(config, opts).map((a) => a.action));
  const assistant = config.providers.packer.build.communicator === 'cloud-assistant';
  return [
    ...(assistant
      ? [
          {
            action: 'ecs:StopInvocation',
            why: 'sindri stops the running script when the build is interrupted',
          },
        ]
      : []),
    {
      action: 'ecs:DeleteImage',
      why: 'packer deletes the half-made image when a build fails after CreateImage',
    },
    { action: 'ecs:DeleteSnapshot', why: "packer deletes that image's snapshots" },
  ].filter((a) => !needed.has(a.action));
}

/** The minimal RAM policy document (version 1) allowing exactly `actions`. */
export function policyDocument(actions: readonly RequiredAction[] | readonly string[]): {
  Version: '1';
  Statement: Array<{ Effect: 'Allow'; Action: string[]; Resource: string }>;
} {
  const names = actions.map((x) => (typeof x === 'string' ? x : x.action));
  return {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: [...new Set(names)].sort(), Resource: '*' }],
  };
}
