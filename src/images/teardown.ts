/**
 * Deletes a sweep's leftovers region by region, in the order packer's own clean-up uses
 * (packer-plugin-alicloud's steps unwind in reverse): the EIP comes off the instance and is released,
 * the instance is deleted (and waited for), then its security group, VSwitch, VPC and key pair. What
 * is already gone counts as deleted; a refusal is reported and the rest goes on. Once something in a
 * region could not be deleted (an instance RAM will not let go), what depends on it is tried once
 * instead of being waited for: it will not come free.
 */
import { type CloudClients, CloudError } from '../cloud/index.ts';
import { waitFor } from '../cloud/waiter.ts';
import { errorText } from '../errors.ts';
import type { Leftover, LeftoverKind } from '../packer/leftovers.ts';

export interface SweepOutcome extends Leftover {
  result: 'deleted' | 'already-gone' | 'failed';
  error?: string;
  /** The action RAM refused, when that is why it failed. */
  deniedAction?: string;
}

const GONE = /^Invalid[A-Za-z]*\.NotFound$|NotFound|NotExist/;
/** A dependent resource (an instance still leaving) blocks the delete for a while. */
const DEPENDENT = /DependencyViolation|IncorrectStatus|IncorrectInstanceStatus|IncorrectVSwitchStatus/;
const ORDER: LeftoverKind[] = ['eip', 'instance', 'security-group', 'vswitch', 'vpc', 'key-pair'];

export interface DeleteTuning {
  /** How long an instance may take to go, and a dependency to clear (default 10 minutes). */
  deadlineMs?: number;
  initialDelayMs?: number;
}

async function deleteOne(clients: CloudClients, l: Leftover, tuning: DeleteTuning): Promise<void> {
  const region = l.region;
  switch (l.kind) {
    case 'eip':
      if (l.instanceId && l.status === 'InUse') {
        await clients.call('ecs', 'UnassociateEipAddress', {
          regionId: region,
          allocationId: l.id,
          instanceId: l.instanceId,
        });
        await waitFor({
          poll: async () =>
            (await clients.call('ecs', 'DescribeEipAddresses', { regionId: region, allocationId: l.id }))
              .eipAddresses?.eipAddress?.[0]?.status,
          isDone: (status) => status === 'Available' || status === undefined,
          deadlineMs: tuning.deadlineMs ?? 600_000,
          initialDelayMs: tuning.initialDelayMs ?? 1000,
          what: `EIP ${l.id} to come off ${l.instanceId}`,
        });
      }
      await clients.call('ecs', 'ReleaseEipAddress', { regionId: region, allocationId: l.id });
      return;
    case 'instance':
      await clients.call('ecs', 'DeleteInstance', { instanceId: l.id, force: true });
      await waitFor({
        poll: async () =>
          (
            await clients.call('ecs', 'DescribeInstances', {
              regionId: region,
              instanceIds: JSON.stringify([l.id]),
            })
          ).instances?.instance?.length ?? 0,
        isDone: (count) => count === 0,
        deadlineMs: tuning.deadlineMs ?? 600_000,
        initialDelayMs: tuning.initialDelayMs ?? 1000,
        what: `instance ${l.id} to be deleted`,
      });
      return;
    case 'security-group':
      await clients.call('ecs', 'DeleteSecurityGroup', { regionId: region, securityGroupId: l.id });
      return;
    case 'vswitch':
      await clients.call('ecs', 'DeleteVSwitch', { regionId: region, vSwitchId: l.id } as never);
      return;
    case 'vpc':
      await clients.call('ecs', 'DeleteVpc', { regionId: region, vpcId: l.id });
      return;
    case 'key-pair':
      await clients.call('ecs', 'DeleteKeyPairs', { regionId: region, keyPairNames: JSON.stringify([l.id]) });
      return;
  }
}

/**
 * Deletes with a few retries while a dependency (an instance on its way out) still holds it; once with
 * `waitForDependencies` false.
 */
async function deleteWhenFree(
  clients: CloudClients,
  l: Leftover,
  tuning: DeleteTuning,
  waitForDependencies = true,
): Promise<void> {
  const deadline = waitForDependencies ? Date.now() + (tuning.deadlineMs ?? 600_000) : 0;
  for (let delay = tuning.initialDelayMs ?? 1000; ; delay = Math.min(delay * 2, 15_000)) {
    try {
      return await deleteOne(clients, l, tuning);
    } catch (err) {
      if (!(err instanceof CloudError && DEPENDENT.test(err.code)) || Date.now() + delay > deadline)
        throw err;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** A resource sindri made and knows from its record, to delete: the journal found it, not a search. */
export function madeResource(
  kind: LeftoverKind,
  id: string,
  of: { region: string; name: string; buildId?: string | undefined },
): Leftover {
  return {
    kind,
    id,
    region: of.region,
    buildId: of.buildId,
    name: of.name,
    createdAt: '',
    ageSeconds: undefined,
    cost: '',
    foundBy: 'journal',
  };
}

export async function deleteLeftovers(
  clientsFor: (region: string) => Promise<CloudClients>,
  leftovers: Leftover[],
  opts: {
    onProgress?: (line: string) => void;
    tuning?: DeleteTuning;
    /** false: what something else holds (an instance that stays) is tried once, not waited for. */
    waitForDependencies?: boolean;
  } = {},
): Promise<SweepOutcome[]> {
  const byRegion = new Map<string, Leftover[]>();
  for (const l of leftovers) byRegion.set(l.region, [...(byRegion.get(l.region) ?? []), l]);
  const outcomes = await Promise.all(
    [...byRegion].map(async ([region, list]) => {
      const clients = await clientsFor(region);
      const done: SweepOutcome[] = [];
      const tuning = opts.tuning ?? {};
      for (const kind of ORDER) {
        const stuck = opts.waitForDependencies === false || done.some((o) => o.result === 'failed');
        // Resources of one kind go together; the next kind waits for them (a VSwitch for its instance).
        const results = await Promise.all(
          list
            .filter((l) => l.kind === kind)
            .map(async (l): Promise<SweepOutcome> => {
              try {
                await deleteWhenFree(clients, l, tuning, !stuck);
                opts.onProgress?.(`${region}: deleted ${l.kind} ${l.id}`);
                return { ...l, result: 'deleted' };
              } catch (err) {
                if (err instanceof CloudError && GONE.test(err.code)) return { ...l, result: 'already-gone' };
                opts.onProgress?.(`${region}: could not delete ${l.kind} ${l.id}: ${errorText(err)}`);
                const deniedAction = err instanceof CloudError ? err.deniedAction : undefined;
                return {
                  ...l,
                  result: 'failed',
                  error: errorText(err),
                  ...(deniedAction ? { deniedAction } : {}),
                };
              }
            }),
        );
        done.push(...results);
      }
      return done;
    }),
  );
  return outcomes.flat();
}
