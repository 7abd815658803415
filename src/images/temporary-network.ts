/**
 * Temporary networks sindri makes itself, each part named `sindri-<build ID>[-test]` (so `sindri
 * packer sweep` finds it after a crash) and recorded through `save` as soon as it exists: the test
 * instance's, and a cloud-assistant build's (whose security group lets nothing in).
 */
import type { CloudClients } from '../cloud/index.ts';
import { waitFor } from '../cloud/waiter.ts';
import { SindriError } from '../errors.ts';

export interface NetworkSpec {
  region: string;
  /** `sindri-<build ID>` or `sindri-<build ID>-test`. */
  name: string;
  tags: Record<string, string>;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  pollMs?: number | undefined;
}

/** The VPC of a temporary network, and of each of its VSwitches a /24 of it. */
export const NETWORK_CIDR = '172.16.0.0/16';
export const vswitchCidr = (n: number) => `172.16.${n}.0/24`;

export const tagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([key, value]) => ({ key, value }));

async function untilAvailable(what: string, poll: () => Promise<string | undefined>, spec: NetworkSpec) {
  await waitFor({
    poll,
    isDone: (status) => status === 'Available',
    deadlineMs: spec.timeoutMs ?? 300_000,
    initialDelayMs: spec.pollMs ?? 1000,
    what,
    ...(spec.signal ? { signal: spec.signal } : {}),
  });
}

/** A zone with VSwitches that sells the instance type (zone_id when it is given). */
export async function pickZone(
  clients: CloudClients,
  region: string,
  instanceType: string,
  zoneId?: string,
): Promise<string> {
  if (zoneId) return zoneId;
  const body = await clients.call('ecs', 'DescribeZones', { regionId: region });
  const zone = (body.zones?.zone ?? []).find(
    (z) =>
      (z.availableResourceCreation?.resourceTypes ?? []).includes('VSwitch') &&
      ((z.availableInstanceTypes?.instanceTypes ?? []).length === 0 ||
        (z.availableInstanceTypes?.instanceTypes ?? []).includes(instanceType)),
  );
  if (!zone?.zoneId)
    throw new SindriError(`no zone of ${region} offers ${instanceType}.`, {
      code: 'InvalidInstanceType.NotAvailable',
      actions: ['set providers.packer.alibaba.zone_id, or a vswitch_id in a zone that has the type'],
    });
  return zone.zoneId;
}

/** The VPC, made once (`made.vpcId` says it exists) and waited for. */
export async function ensureVpc(
  clients: CloudClients,
  spec: NetworkSpec,
  made: { vpcId?: string },
  save: () => Promise<void>,
): Promise<string> {
  made.vpcId ??= (
    await clients.call('vpc', 'CreateVpc', {
      regionId: spec.region,
      cidrBlock: NETWORK_CIDR,
      vpcName: spec.name,
    })
  ).vpcId as string;
  await save();
  const vpcId = made.vpcId;
  await untilAvailable(
    `VPC ${vpcId}`,
    async () =>
      (await clients.call('vpc', 'DescribeVpcs', { regionId: spec.region, vpcId })).vpcs?.vpc?.[0]?.status,
    spec,
  );
  return vpcId;
}

/** A VSwitch of the VPC in a zone, with the given /24, waited for. `record` is called with its ID first. */
export async function makeVSwitch(
  clients: CloudClients,
  spec: NetworkSpec,
  vpcId: string,
  zoneId: string,
  cidrBlock: string,
  record: (vswitchId: string) => Promise<void>,
): Promise<string> {
  const vswitchId = (
    await clients.call('vpc', 'CreateVSwitch', {
      regionId: spec.region,
      vpcId,
      zoneId,
      cidrBlock,
      vSwitchName: spec.name,
    } as never)
  ).vSwitchId as string;
  await record(vswitchId);
  await waitForVSwitch(clients, spec, vswitchId);
  return vswitchId;
}

export async function waitForVSwitch(
  clients: CloudClients,
  spec: NetworkSpec,
  vswitchId: string,
): Promise<void> {
  await untilAvailable(
    `VSwitch ${vswitchId}`,
    async () =>
      (
        await clients.call('vpc', 'DescribeVSwitches', {
          regionId: spec.region,
          vSwitchId: vswitchId,
        } as never)
      ).vSwitches?.vSwitch?.[0]?.status,
    spec,
  );
}

/**
 * A security group of its own in `vpcId`, recorded through `record` as soon as it exists. With
 * `sshPort` it lets SSH in from anywhere; without, nothing comes in (egress stays open, the default).
 */
export async function makeSecurityGroup(
  clients: CloudClients,
  spec: NetworkSpec,
  vpcId: string,
  record: (securityGroupId: string) => Promise<void>,
  sshPort?: number,
): Promise<string> {
  const securityGroupId = (
    await clients.call('ecs', 'CreateSecurityGroup', {
      regionId: spec.region,
      vpcId,
      securityGroupName: spec.name,
      tag: tagList(spec.tags) as never,
    })
  ).securityGroupId as string;
  await record(securityGroupId);
  if (sshPort !== undefined)
    await clients.call('ecs', 'AuthorizeSecurityGroup', {
      regionId: spec.region,
      securityGroupId,
      ipProtocol: 'tcp',
      portRange: `${sshPort}/${sshPort}`,
      sourceCidrIp: '0.0.0.0/0',
    });
  return securityGroupId;
}
