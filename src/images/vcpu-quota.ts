/**
 * The pay-as-you-go vCPU quota against what a build instance needs: DescribeAccountAttributes
 * `max-postpaid-instance-vcpu-count` and `used-postpaid-instance-vcpu-count` (the SDK's documented
 * attribute names), DescribeInstanceTypes for the type's vCPUs. An attribute the account does not
 * report is unknown, never 0.
 */
import type { CloudClients } from '../cloud/index.ts';

export const MAX_VCPU = 'max-postpaid-instance-vcpu-count';
export const USED_VCPU = 'used-postpaid-instance-vcpu-count';

export interface VcpuHeadroom {
  max: number;
  used: number;
}

/** The region's vCPU quota and use, or undefined when the account does not report both. */
export async function vcpuHeadroom(clients: CloudClients, region: string): Promise<VcpuHeadroom | undefined> {
  const body = await clients.call('ecs', 'DescribeAccountAttributes', {
    regionId: region,
    attributeName: [MAX_VCPU, USED_VCPU],
  });
  const values = new Map<string, number>();
  for (const item of body.accountAttributeItems?.accountAttributeItem ?? []) {
    const v = Number(item.attributeValues?.valueItem?.[0]?.value);
    if (item.attributeName && Number.isFinite(v)) values.set(item.attributeName, v);
  }
  const max = values.get(MAX_VCPU);
  const used = values.get(USED_VCPU);
  return max === undefined || used === undefined ? undefined : { max, used };
}

/** vCPUs of each instance type the API knows. */
export async function vcpusOf(clients: CloudClients, types: readonly string[]): Promise<Map<string, number>> {
  const body = await clients.call('ecs', 'DescribeInstanceTypes', { instanceTypes: [...types] });
  const out = new Map<string, number>();
  for (const t of body.instanceTypes?.instanceType ?? [])
    if (t.instanceTypeId && t.cpuCoreCount) out.set(t.instanceTypeId, t.cpuCoreCount);
  return out;
}
