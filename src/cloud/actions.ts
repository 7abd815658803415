/**
 * Every API action sindri itself calls, by product. `npm run build` compiles the SDK code of exactly
 * these actions (their methods, request and response models, and the SDK core under them) into
 * dist/sdk.cjs, which loads in a fraction of the time of the SDK packages (docs/architecture.md).
 *
 * Calling an action that is not listed still works, through the installed SDK packages, only more
 * slowly: add it here when sindri starts calling it (test/cloud/sdk-actions.test.ts finds the
 * literal `call(product, action)` sites that are missing).
 */
import type { ActionOf } from './clients.ts';
import type { Product } from './endpoints.ts';

export const SDK_ACTIONS = {
  ecs: [
    'AllocatePublicIpAddress',
    'AuthorizeSecurityGroup',
    'CancelCopyImage',
    'CopyImage',
    'CreateImage',
    'CreateSecurityGroup',
    'DeleteImage',
    'DeleteInstance',
    'DeleteKeyPairs',
    'DeleteSecurityGroup',
    'DeleteSnapshot',
    'DeleteVSwitch',
    'DeleteVpc',
    'DescribeAccountAttributes',
    'DescribeAvailableResource',
    'DescribeCloudAssistantStatus',
    // The read probe before packer starts (pipeline/permission-probe.ts), packer <= 1.6; sweep.
    'DescribeEipAddresses',
    // deploy --family, and the registry's family look-ups.
    'DescribeImageFromFamily',
    'DescribeImageSharePermission',
    'DescribeImages',
    'DescribeInstanceTypes',
    'DescribeInstances',
    'DescribeInvocationResults',
    'DescribeKeyPairs',
    'DescribeRegions',
    'DescribeSecurityGroupAttribute',
    'DescribeSecurityGroups',
    'DescribeSendFileResults',
    'DescribeTaskAttribute',
    'DescribeTasks',
    'DescribeVSwitches',
    'DescribeVpcs',
    'DescribeZones',
    'ExportImage',
    'ImportKeyPair',
    'JoinResourceGroup',
    'ModifyImageAttribute',
    'ModifyImageSharePermission',
    'ReleaseEipAddress',
    'RunCommand',
    'RunInstances',
    'SendFile',
    'StopInstance',
    'StopInvocation',
    'TagResources',
    'UnassociateEipAddress',
    // The registry moves a channel off an image.
    'UntagResources',
  ],
  // The read probe with packer >= 1.7, whose plugin calls the network actions on the VPC API.
  // And the test instance's own network.
  // DescribeNatGateways: doctor's look at a cloud-assistant build's way out to the internet.
  vpc: [
    'CreateVSwitch',
    'CreateVpc',
    'DescribeEipAddresses',
    'DescribeNatGateways',
    'DescribeVSwitches',
    'DescribeVpcs',
  ],
  ram: ['GetPolicy', 'GetRole', 'ListPoliciesForRole', 'ListPoliciesForUser'],
  // AssumeRole and AssumeRoleWithOIDC: the credential exchange (sts.ts).
  sts: ['AssumeRole', 'AssumeRoleWithOIDC', 'GetCallerIdentity'],
} as const satisfies { [P in Product]: readonly ActionOf<P>[] };

/** The npm package of each product's SDK. */
export const SDK_PACKAGES: Readonly<Record<Product, string>> = {
  ecs: '@alicloud/ecs20140526',
  vpc: '@alicloud/vpc20160428',
  ram: '@alicloud/ram20150501',
  sts: '@alicloud/sts20150401',
};
