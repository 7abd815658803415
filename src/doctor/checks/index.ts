import type { Check } from '../types.ts';
import { communicator } from './communicator.ts';
import { credentials } from './credentials.ts';
import { exportRole } from './export-role.ts';
import { imageName, sourceImage } from './images.ts';
import { instanceType } from './instance-type.ts';
import { leftovers } from './leftovers.ts';
import { securityGroup, vswitch } from './network.ts';
import { packerBuilder, packerInstalled, packerVersion } from './packer.ts';
import { quotas } from './quotas.ts';
import { ram } from './ram.ts';
import { region } from './region.ts';

/** Every check, in the order the table shows them. */
export const CHECKS: readonly Check[] = [
  packerInstalled,
  packerVersion,
  packerBuilder,
  credentials,
  region,
  instanceType,
  vswitch,
  securityGroup,
  communicator,
  sourceImage,
  imageName,
  quotas,
  ram,
  exportRole,
  leftovers,
];
