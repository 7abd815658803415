/** ECS (2014-05-26) and VPC (2016-04-28) actions: the action tables the server dispatches on. */
import type { Handler } from './context.ts';
import { DescribeAccountAttributes } from './ecs/account-attributes.ts';
import {
  DescribeCloudAssistantStatus,
  DescribeInvocationResults,
  DescribeInvocations,
  DescribeSendFileResults,
  RunCommand,
  SendFile,
  StopInvocation,
} from './ecs/cloud-assistant.ts';
import { DescribeDisks } from './ecs/disks.ts';
import { CancelCopyImage, CopyImage } from './ecs/image-copy.ts';
import { DescribeImageFromFamily } from './ecs/image-families.ts';
import { DescribeImageSharePermission, ModifyImageSharePermission } from './ecs/image-sharing.ts';
import { CreateImage, DeleteImage, DescribeImages, ModifyImageAttribute } from './ecs/images.ts';
import {
  AllocatePublicIpAddress,
  DeleteInstance,
  DeleteInstances,
  DescribeInstanceStatus,
  DescribeInstances,
  RebootInstance,
  StartInstance,
  StopInstance,
} from './ecs/instances.ts';
import {
  AttachKeyPair,
  CreateKeyPair,
  DeleteKeyPairs,
  DescribeKeyPairs,
  DetachKeyPair,
  ImportKeyPair,
} from './ecs/key-pairs.ts';
import { CreateInstance, RunInstances } from './ecs/launch.ts';
import { DescribeNatGateways } from './ecs/nat-gateways.ts';
import {
  DescribeAvailableResource,
  DescribeInstanceTypes,
  DescribeRegions,
  DescribeVpcZones,
  DescribeZones,
} from './ecs/regions.ts';
import { JoinResourceGroup } from './ecs/resource-groups.ts';
import {
  AuthorizeSecurityGroup,
  AuthorizeSecurityGroupEgress,
  CreateSecurityGroup,
  DeleteSecurityGroup,
  DescribeSecurityGroupAttribute,
  DescribeSecurityGroups,
  RevokeSecurityGroup,
  RevokeSecurityGroupEgress,
} from './ecs/security-groups.ts';
import { CreateSnapshot, DeleteSnapshot, DescribeSnapshots } from './ecs/snapshots.ts';
import { DescribeTaskAttribute, DescribeTasks, ExportImage } from './ecs/tasks.ts';
import { networkHandlers } from './network.ts';
import { ecsOnlyTagHandlers, tagHandlers } from './tags.ts';

export const ecsHandlers: Record<string, Handler> = {
  DescribeRegions,
  DescribeZones,
  DescribeAvailableResource,
  DescribeInstanceTypes,
  DescribeAccountAttributes,
  DescribeImages,
  DescribeImageFromFamily,
  CreateImage,
  CopyImage,
  CancelCopyImage,
  ModifyImageSharePermission,
  DescribeImageSharePermission,
  ModifyImageAttribute,
  DeleteImage,
  DescribeSnapshots,
  CreateSnapshot,
  DeleteSnapshot,
  DescribeDisks,
  ExportImage,
  JoinResourceGroup,
  DescribeTasks,
  DescribeTaskAttribute,
  CreateSecurityGroup,
  DescribeSecurityGroups,
  DescribeSecurityGroupAttribute,
  AuthorizeSecurityGroup,
  AuthorizeSecurityGroupEgress,
  RevokeSecurityGroup,
  RevokeSecurityGroupEgress,
  DeleteSecurityGroup,
  CreateKeyPair,
  ImportKeyPair,
  DescribeKeyPairs,
  DeleteKeyPairs,
  AttachKeyPair,
  DetachKeyPair,
  CreateInstance,
  RunInstances,
  DescribeInstances,
  DescribeInstanceStatus,
  StartInstance,
  StopInstance,
  RebootInstance,
  DeleteInstance,
  DeleteInstances,
  AllocatePublicIpAddress,
  RunCommand,
  DescribeInvocations,
  DescribeInvocationResults,
  StopInvocation,
  SendFile,
  DescribeSendFileResults,
  DescribeCloudAssistantStatus,
  ...networkHandlers,
  ...tagHandlers,
  ...ecsOnlyTagHandlers,
};

/** VPC (2016-04-28) actions. */
export const vpcHandlers: Record<string, Handler> = {
  DescribeRegions,
  DescribeNatGateways,
  DescribeZones: DescribeVpcZones,
  ...networkHandlers,
  ...tagHandlers,
};

/** ECS-API actions that exist in the VPC API too: RAM accepts either `ecs:` or `vpc:` permission for them. */
export const VPC_ACTIONS = new Set(Object.keys(networkHandlers));
