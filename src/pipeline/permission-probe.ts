/**
 * Packer waits on its read calls in loops that retry every error, a refused one included: without
 * `ecs:DescribeInstances` packer 1.6.6 polls for 30 minutes before it gives up, with the build
 * instance running. So before packer starts, sindri makes each read call the build needs once
 * itself; a refused one stops the build at once, before anything is created, naming the action.
 */
import { SindriError } from '../cli/errors.ts';
import type { CloudClients } from '../cloud/index.ts';
import type { SindriConfig } from '../config/types.ts';
import { requiredActions } from '../doctor/actions.ts';

type Params = (alibaba: SindriConfig['providers']['packer']['alibaba']) => Record<string, unknown>;

/** The reads packer makes, with the cheapest request of each that RAM authorises the same way. */
const PACKER_READS: Record<string, Params> = {
  DescribeRegions: () => ({}),
  DescribeZones: () => ({}),
  DescribeVpcs: (a) => ({ pageSize: 1, ...(a.vpc_id ? { vpcId: a.vpc_id } : {}) }),
  DescribeVSwitches: (a) => ({ pageSize: 1, ...(a.vswitch_id ? { vSwitchId: a.vswitch_id } : {}) }),
  DescribeSecurityGroups: (a) => ({ pageSize: 1, ...(a.vpc_id ? { vpcId: a.vpc_id } : {}) }),
  DescribeInstances: () => ({ pageSize: 1 }),
  DescribeEipAddresses: () => ({ pageSize: 1 }),
};

/** The `product:Action` names of the reads a build of `config` has packer make. */
export function packerReads(config: SindriConfig, packerVersion: string): string[] {
  return requiredActions(config, { packerVersion })
    .map((a) => a.action)
    .filter((name) => (name.split(':')[1] ?? '') in PACKER_READS);
}

/** Makes each of packer's reads once, in parallel; throws Forbidden.RAM naming every refused one. */
export async function probePackerReads(
  clients: CloudClients,
  config: SindriConfig,
  packerVersion: string,
): Promise<void> {
  const alibaba = config.providers.packer.alibaba;
  const { CloudError, deniedActionHint } = await import('../cloud/errors.ts');
  const reads = packerReads(config, packerVersion);
  const outcomes = await Promise.allSettled(
    reads.map((name) => {
      const [product, action] = name.split(':') as [string, string];
      const params = { regionId: alibaba.region, ...(PACKER_READS[action] as Params)(alibaba) };
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
    { hint: deniedActionHint(actions).fix, code: 'Forbidden.RAM' },
  );
}
