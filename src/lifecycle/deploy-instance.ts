/**
 * The instance `sindri packer deploy` launches: looking it up (by ID, or by the deploy's tag when
 * RunInstances gave no answer), its addresses, and deleting what a failed deploy created.
 */
import { type CloudClients, CloudError, waitFor } from '../cloud/index.ts';
import { describeAllInstances } from '../images/instances.ts';
import { DEPLOY_ID_TAG } from '../images/tags.ts';

export interface InstanceView {
  instanceId?: string;
  instanceName?: string;
  status?: string;
  zoneId?: string;
  publicIpAddress?: { ipAddress?: string[] };
  eipAddress?: { ipAddress?: string };
  vpcAttributes?: { privateIpAddress?: { ipAddress?: string[] } };
}

export async function describeInstance(clients: CloudClients, region: string, instanceId: string) {
  const body = await clients.call('ecs', 'DescribeInstances', {
    regionId: region,
    instanceIds: JSON.stringify([instanceId]),
  });
  return (body.instances?.instance ?? []).find((i) => i.instanceId === instanceId) as
    | InstanceView
    | undefined;
}

export async function instancesByToken(
  clients: CloudClients,
  region: string,
  token: string,
): Promise<string[]> {
  const instances = await describeAllInstances(clients, region, {
    tag: [{ key: DEPLOY_ID_TAG, value: token }] as never,
  });
  return instances.map((i) => i.instanceId).filter((id): id is string => !!id);
}

export const publicIpOf = (v: InstanceView | undefined) =>
  v?.publicIpAddress?.ipAddress?.find(Boolean) || v?.eipAddress?.ipAddress || undefined;
export const privateIpOf = (v: InstanceView | undefined) =>
  v?.vpcAttributes?.privateIpAddress?.ipAddress?.find(Boolean);

export interface Created {
  instanceIds: string[];
  importedKeyPair: string | undefined;
}

/** Deletes what this deploy created; returns what could not be deleted. */
export async function cleanUp(
  clients: CloudClients,
  region: string,
  created: Created,
  onProgress?: (line: string) => void,
): Promise<string[]> {
  const left: string[] = [];
  for (const instanceId of created.instanceIds) {
    try {
      await clients.call('ecs', 'DeleteInstance', { instanceId, force: true });
      await waitFor({
        poll: () => describeInstance(clients, region, instanceId),
        isDone: (v) => v === undefined,
        deadlineMs: 120_000,
        initialDelayMs: 200,
        maxDelayMs: 5_000,
        what: `instance ${instanceId} to be deleted`,
      });
      onProgress?.(`deleted instance ${instanceId}`);
    } catch (err) {
      if (err instanceof CloudError && err.code === 'InvalidInstanceId.NotFound') continue;
      left.push(`instance ${instanceId} (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  if (created.importedKeyPair) {
    try {
      await clients.call('ecs', 'DeleteKeyPairs', {
        regionId: region,
        keyPairNames: JSON.stringify([created.importedKeyPair]),
      });
      onProgress?.(`deleted key pair ${created.importedKeyPair}`);
    } catch (err) {
      left.push(`key pair ${created.importedKeyPair} (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  return left;
}
