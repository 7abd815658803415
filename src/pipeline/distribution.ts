/**
 * The distribution every pipeline ends with: an encrypted copy in the build region (image_encrypted),
 * copies to the copy regions (in parallel, waited on), sharing, the image family, retention, the
 * resource group.
 * Every step records what it did, so a run that stops anywhere continues where it stopped.
 */
import type { Step } from './run.ts';
import { copy } from './steps/copy.ts';
import { dropIntermediate } from './steps/drop-intermediate.ts';
import { finishDistribution } from './steps/finish-distribution.ts';
import { joinFamily } from './steps/join-family.ts';
import { prepareDistribution } from './steps/prepare-distribution.ts';
import { renameIntermediate } from './steps/rename-intermediate.ts';
import { resourceGroup } from './steps/resource-group.ts';
import { retention } from './steps/retention.ts';
import { share } from './steps/share.ts';
import { takeName } from './steps/take-name.ts';

export const DISTRIBUTION: readonly Step[] = [
  prepareDistribution,
  renameIntermediate,
  copy,
  dropIntermediate,
  share,
  takeName,
  joinFamily,
  retention,
  resourceGroup,
  finishDistribution,
];
