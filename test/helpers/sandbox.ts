/** Instances for sandbox tests, made through the API as a user (or `sindri packer deploy`) makes them. */
import { createClients } from '../../src/cloud/index.ts';
import { type Emulator, ROOT_ACCESS_KEY_ID, ROOT_ACCESS_KEY_SECRET } from '../emulator/index.ts';

const REGION = 'cn-hangzhou';

export function rootClients(emu: Emulator) {
  return createClients({
    credentials: { accessKeyId: ROOT_ACCESS_KEY_ID, accessKeySecret: ROOT_ACCESS_KEY_SECRET, source: 'test' },
    region: REGION,
    env: { SINDRI_ENDPOINT: emu.url },
  });
}

/** An instance of an image, launched through the API with a new key pair, as `deploy` launches one. */
export async function launchFromImage(
  emu: Emulator,
  imageId: string,
): Promise<{ instanceId: string; privateKey: string }> {
  const c = await rootClients(emu);
  const vpc = await c.call('ecs', 'CreateVpc', { regionId: REGION, cidrBlock: '192.168.0.0/16' });
  const vsw = await c.call('ecs', 'CreateVSwitch', {
    regionId: REGION,
    vpcId: vpc.vpcId,
    zoneId: 'cn-hangzhou-g',
    cidrBlock: '192.168.1.0/24',
  });
  const sg = await c.call('ecs', 'CreateSecurityGroup', { regionId: REGION, vpcId: vpc.vpcId });
  const key = await c.call('ecs', 'CreateKeyPair', { regionId: REGION, keyPairName: `fresh-${Date.now()}` });
  const run = await c.call('ecs', 'RunInstances', {
    regionId: REGION,
    imageId,
    instanceType: 'ecs.g6.large',
    vSwitchId: vsw.vSwitchId,
    securityGroupId: sg.securityGroupId,
    keyPairName: key.keyPairName,
    amount: 1,
  });
  const instanceId = run.instanceIdSets?.instanceIdSet?.[0];
  if (!instanceId || !key.privateKeyBody) throw new Error('RunInstances or CreateKeyPair answered nothing');
  return { instanceId, privateKey: key.privateKeyBody };
}
