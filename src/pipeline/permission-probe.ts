/**
 * Packer waits on some reads in loops that retry every error, a refused one included: without
 * `ecs:DescribeInstances` packer 1.6.6 polls for 30 minutes before it gives up, with the build
 * instance running (an interrupt does not stop such a loop). So before packer starts, sindri makes
 * each of those reads once itself; a refused one stops the build at once, before anything is
 * created, naming the action.
 */

import { CloudError, deniedActionHint } from '../cloud/errors.ts';
import type { CloudClients } from '../cloud/index.ts';
import type { SindriConfig } from '../config/types.ts';
import { SindriError } from '../errors.ts';
import { requiredActions } from '../packer/required-actions.ts';

type Alibaba = SindriConfig['providers']['packer']['alibaba'];

/**
 * The reads packer polls, retrying every error, with the cheapest request of each that RAM
 * authorises the same way. A VPC or VSwitch is polled only after packer creates it; given ones are
 * read once, and packer stops at that refusal by itself (the API watch names it).
 */
const PACKER_POLLS: Record<string, (alibaba: Alibaba) => Record<string, unknown> | undefined> = {
  // The smallest page (MaxResults below 10 counts as 10); PageNumber/PageSize are being deprecated.
  DescribeInstances: () => ({ maxResults: 10 }),
  DescribeEipAddresses: () => ({ pageSize: 1 }),
  DescribeVpcs: (a) => (a.vpc_id ? undefined : { pageSize: 1 }),
  DescribeVSwitches: (a) => (a.vswitch_id ? undefined : { pageSize: 1 }),
};

/** The `product:Action` names of the reads a build of `config` has packer poll. */
export function packerReads(config: SindriConfig, packerVersion: string): string[] {
  const alibaba = config.providers.packer.alibaba;
  return requiredActions(config, { packerVersion, withoutTestStage: true })
    .map((a) => a.action)
    .filter((name) => PACKER_POLLS[name.split(':')[1] ?? '']?.(alibaba) !== undefined);
}

/** Makes each of packer's polled reads once, in parallel; throws Forbidden.RAM naming every refused one. */
export async function probePackerReads(
  clients: CloudClients,
  config: SindriConfig,
  packerVersion: string,
): Promise<void> {
  const alibaba = config.providers.packer.alibaba;
  const reads = packerReads(config, packerVersion);
  const outcomes = await Promise.allSettled(
    reads.map((name) => {
      const [product, action] = name.split(':') as [string, string];
      const params = { regionId: alibaba.region, ...PACKER_POLLS[action]?.(alibaba) };
      return clients.call(product as 'ecs', action as never, params as never);
    }),
  );
  const denied: Array<{ action: string; requestId: string | undefined }> = [];
  for (const [i, outcome] of outcomes.entries()) {
    if (outcome.status === 'fulfilled') continue;
    const err = outcome.reason;
    if (!(err instanceof CloudError) || !err.deniedAction) throw err;
    denied.push({ action: reads[i] as string, requestId: err.requestId });
  }
  if (denied.length === 0) return;
  const actions = denied.map((d) => d.action);
  const requests = denied.flatMap((d) => (d.requestId ? [d.requestId] : []));
  throw new SindriError(
    `Forbidden.RAM: the credentials may not call ${actions.join(', ')}, which packer needs during the build; nothing was created.${requests.length > 0 ? ` (request ID ${requests.join(', ')})` : ''}`,
    { actions: [deniedActionHint(actions).fix], code: 'Forbidden.RAM' },
  );
}
