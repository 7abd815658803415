/** The flags of the registry's commands (promote, revoke, channels, lineage). */
import { Flags } from '@oclif/core';

/** `--region`, repeatable: by default the registry looks in every region (DescribeRegions). */
export const registryRegionFlag = Flags.string({
  description: 'Only this region (repeatable) [default: every region, from DescribeRegions]',
  multiple: true,
});

export const registryConcurrencyFlag = Flags.integer({
  description: 'Most API calls in flight at once',
  default: 8,
  min: 1,
  max: 64,
});
