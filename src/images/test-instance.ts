/**
 * The instance the test stage checks: started from the new image with a key pair of its own, in the
 * configured VSwitch and security group, or else in a temporary network made for it. Every resource
 * is named `sindri-<build ID>-test` (so `sindri packer sweep` finds them after a crash), recorded as
 * soon as it exists, and removed by `removeTestInstance`, whatever happened.
 */
import { generateKeyPairSync } from 'node:crypto';
import { type CloudClients, CloudError, newClientToken } from '../cloud/index.ts';
import { waitFor } from '../cloud/waiter.ts';
import type { Communicator } from '../config/types.ts';
import { SindriError } from '../errors.ts';
import type { Leftover } from '../packer/leftovers.ts';
import { describeInstance } from './instances.ts';
import { deleteLeftovers, madeResource, type SweepOutcome } from './teardown.ts';
import {
  ensureVpc,
  makeSecurityGroup,
  makeVSwitch,
  pickZone,
  tagList,
  vswitchCidr,
  waitForVSwitch,
} from './temporary-network.ts';

export interface TestInstanceSpec {
  region: string;
  imageId: string;
  instanceType: string;
  /** `sindri-<build ID>-test`. */
  name: string;
  tags: Record<string, string>;
  vswitchId?: string | undefined;
  securityGroupId?: string | undefined;
  /** The VPC of `vswitchId`: a security group of its own goes there when none is configured. */
  vpcId?: string | undefined;
  zoneId?: string | undefined;
  sshPort: number;
  /** Give the instance a public address (sindri reaches it from outside the VPC). */
  publicBandwidthMbps: number;
  /** `cloud-assistant`: no key pair, no public address, no inbound rule; `ssh-private`: no public address. */
  communicator: Communicator;
  signal?: AbortSignal;
  timeoutMs?: number;
  pollMs?: number;
}

/** What exists so far; kept in the build record so that it is removed even after an interrupt. */
export interface TestResources {
  keyPairName?: string;
  instanceId?: string;
  vpcId?: string;
  vswitchId?: string;
  securityGroupId?: string;
}

/** A temporary VPC, VSwitch and security group (SSH in unless Cloud Assistant reaches the instance). */
async function temporaryNetwork(
  clients: CloudClients,
  spec: TestInstanceSpec,
  made: TestResources,
  save: () => Promise<void>,
): Promise<void> {
  const vpcId = await ensureVpc(clients, spec, made, save);
  if (!made.vswitchId) {
    const zoneId = await pickZone(clients, spec.region, spec.instanceType, spec.zoneId);
    await makeVSwitch(clients, spec, vpcId, zoneId, vswitchCidr(0), async (id) => {
      made.vswitchId = id;
      await save();
    });
  } else await waitForVSwitch(clients, spec, made.vswitchId);
  await securityGroup(clients, spec, vpcId, made, save);
}

/** A security group of its own in `vpcId`: SSH in, or nothing in for Cloud Assistant. */
async function securityGroup(
  clients: CloudClients,
  spec: TestInstanceSpec,
  vpcId: string,
  made: TestResources,
  save: () => Promise<void>,
): Promise<void> {
  if (made.securityGroupId) return;
  await makeSecurityGroup(
    clients,
    spec,
    vpcId,
    async (id) => {
      made.securityGroupId = id;
      await save();
    },
    spec.communicator === 'cloud-assistant' ? undefined : spec.sshPort,
  );
}

/** Starts the test instance; returns where to reach it over SSH and its private key. */
export async function launchTestInstance(
  clients: CloudClients,
  spec: TestInstanceSpec,
  made: TestResources,
  save: () => Promise<void>,
): Promise<{ host: string; privateKey: string }> {
  const { region } = spec;
  const ssh = spec.communicator !== 'cloud-assistant';
  // A key pair of its own, made here and imported: the private key lives only in this process, never
  // in a file, and the import can be repeated after a lost response (CreateKeyPair cannot: it has no
  // ClientToken, and a second call could not return the first one's private key). Cloud Assistant
  // needs none.
  if (made.keyPairName)
    await deleteLeftovers(async () => clients, [madeResource('key-pair', made.keyPairName, spec)]);
  let privateKey = '';
  if (ssh) {
    made.keyPairName = spec.name;
    await save();
    const key = newSshKey();
    try {
      await clients.call('ecs', 'ImportKeyPair', {
        regionId: region,
        keyPairName: spec.name,
        publicKeyBody: key.publicKey,
        tag: tagList(spec.tags) as never,
      });
    } catch (err) {
      // The name is this run's own: the key pair that has it is the one the lost response imported.
      if (!(err instanceof CloudError && err.code === 'KeyPair.AlreadyExist')) throw err;
    }
    privateKey = key.privateKey;
  } else delete made.keyPairName;
  // The configured network; a configured VSwitch gets a security group of its own in its VPC; with
  // no VSwitch the instance gets a network of its own.
  const inVSwitch =
    spec.vswitchId !== undefined && (spec.securityGroupId !== undefined || spec.vpcId !== undefined);
  if (inVSwitch && !spec.securityGroupId)
    await securityGroup(clients, spec, spec.vpcId as string, made, save);
  if (!inVSwitch) await temporaryNetwork(clients, spec, made, save);
  if (!made.instanceId) {
    const run = await clients.call(
      'ecs',
      'RunInstances',
      {
        regionId: region,
        imageId: spec.imageId,
        instanceType: spec.instanceType,
        vSwitchId: inVSwitch ? spec.vswitchId : made.vswitchId,
        securityGroupId: spec.securityGroupId && inVSwitch ? spec.securityGroupId : made.securityGroupId,
        instanceName: spec.name,
        ...(ssh ? { keyPairName: spec.name } : {}),
        amount: 1,
        internetMaxBandwidthOut: spec.publicBandwidthMbps,
        ...(spec.publicBandwidthMbps > 0 ? { internetChargeType: 'PayByTraffic' } : {}),
        tag: tagList(spec.tags) as never,
      },
      { clientToken: newClientToken(), ...(spec.signal ? { signal: spec.signal } : {}) },
    );
    made.instanceId = run.instanceIdSets?.instanceIdSet?.[0];
    if (!made.instanceId)
      throw new SindriError('RunInstances returned no instance ID for the test instance.', {
        code: 'InvalidResponse',
      });
    await save();
  }
  const id = made.instanceId;
  let view = await waitFor({
    poll: () => describeInstance(clients, region, id),
    isDone: (v) => v?.status === 'Running',
    failed: (v) => (v === undefined ? 'the test instance disappeared' : undefined),
    deadlineMs: spec.timeoutMs ?? 600_000,
    initialDelayMs: spec.pollMs ?? 2000,
    what: `test instance ${id} to be Running`,
    ...(spec.signal ? { signal: spec.signal } : {}),
  });
  if (
    spec.publicBandwidthMbps > 0 &&
    !view?.publicIpAddress?.ipAddress?.[0] &&
    !view?.eipAddress?.ipAddress
  ) {
    await clients.call('ecs', 'AllocatePublicIpAddress', { instanceId: id });
    view = await describeInstance(clients, region, id);
  }
  const host =
    (spec.publicBandwidthMbps > 0
      ? view?.publicIpAddress?.ipAddress?.[0] || view?.eipAddress?.ipAddress
      : undefined) || view?.vpcAttributes?.privateIpAddress?.ipAddress?.[0];
  if (!host)
    throw new SindriError(`test instance ${id} has no address to reach it at.`, { code: 'NoAddress' });
  return { host, privateKey };
}

/** An RSA key (ECS imports RSA keys): the private key as PEM, the public one as an OpenSSH line. */
function newSshKey(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const jwk = publicKey.export({ format: 'jwk' });
  const mpint = (b64url: string) => {
    const bytes = Buffer.from(b64url, 'base64url');
    return (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  };
  const field = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const blob = Buffer.concat([
    field(Buffer.from('ssh-rsa')),
    field(mpint(jwk.e as string)),
    field(mpint(jwk.n as string)),
  ]);
  return {
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    publicKey: `ssh-rsa ${blob.toString('base64')} sindri-test`,
  };
}

/** Removes everything the test stage made; returns what could not be removed. */
export async function removeTestInstance(
  clients: CloudClients,
  spec: { region: string; name: string },
  made: TestResources,
): Promise<SweepOutcome[]> {
  const list: Leftover[] = [];
  if (made.instanceId) list.push(madeResource('instance', made.instanceId, spec));
  if (made.securityGroupId) list.push(madeResource('security-group', made.securityGroupId, spec));
  if (made.vswitchId) list.push(madeResource('vswitch', made.vswitchId, spec));
  if (made.vpcId) list.push(madeResource('vpc', made.vpcId, spec));
  if (made.keyPairName) list.push(madeResource('key-pair', made.keyPairName, spec));
  const outcomes = await deleteLeftovers(async () => clients, list);
  return outcomes.filter((o) => o.result === 'failed');
}
