/** Instances images are made from. */
import type { CloudClients } from '../cloud/index.ts';

export async function describeInstance(clients: CloudClients, region: string, instanceId: string) {
  const body = await clients.call('ecs', 'DescribeInstances', {
    regionId: region,
    instanceIds: JSON.stringify([instanceId]),
  });
  return body.instances?.instance?.find((i) => i.instanceId === instanceId);
}
