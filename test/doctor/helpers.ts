/** Shared set-up for the doctor tests: an emulator, seeded network, configurations and environments. */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClients } from '../../src/cloud/index.ts';
import { resolveConfig } from '../../src/config/load.ts';
import type { SindriConfig } from '../../src/config/types.ts';
import { type CheckResult, runDoctor } from '../../src/doctor/index.ts';
import {
  type Emulator,
  ROOT_ACCESS_KEY_ID,
  ROOT_ACCESS_KEY_SECRET,
  SECOND_ACCOUNT_ID,
  startEmulator,
} from '../emulator/index.ts';

export interface Keys {
  accessKeyId: string;
  accessKeySecret: string;
}

export const ROOT: Keys = { accessKeyId: ROOT_ACCESS_KEY_ID, accessKeySecret: ROOT_ACCESS_KEY_SECRET };

export interface Network {
  vpcId: string;
  vswitchId: string;
  zoneId: string;
  /** Allows SSH (22) from 0.0.0.0/0. */
  openSg: string;
  /** Allows SSH only from 203.0.113.0/24. */
  narrowSg: string;
  /** No ingress rules. */
  closedSg: string;
  /** A second VPC and a group in it. */
  otherVpcId: string;
  otherSg: string;
}

/** Root clients against the emulator, for seeding. */
export async function rootClients(emu: Emulator) {
  return createClients({
    credentials: { ...ROOT, source: 'test' },
    region: 'cn-hangzhou',
    env: { SINDRI_ENDPOINT: emu.url },
    retry: { maxAttempts: 1 },
  });
}

export async function seedNetwork(emu: Emulator): Promise<Network> {
  const c = await rootClients(emu);
  const regionId = 'cn-hangzhou';
  const zoneId = 'cn-hangzhou-h';
  const vpc = await c.call('ecs', 'CreateVpc', { regionId, cidrBlock: '172.16.0.0/16' });
  const vpcId = vpc.vpcId as string;
  const vsw = await c.call('ecs', 'CreateVSwitch', {
    regionId,
    vpcId,
    zoneId,
    cidrBlock: '172.16.1.0/24',
  } as never);
  const sg = async (vpc: string) =>
    (await c.call('ecs', 'CreateSecurityGroup', { regionId, vpcId: vpc })).securityGroupId as string;
  const rule = (securityGroupId: string, sourceCidrIp: string) =>
    c.call('ecs', 'AuthorizeSecurityGroup', {
      regionId,
      securityGroupId,
      ipProtocol: 'tcp',
      portRange: '22/22',
      sourceCidrIp,
    });
  const openSg = await sg(vpcId);
  await rule(openSg, '0.0.0.0/0');
  const narrowSg = await sg(vpcId);
  await rule(narrowSg, '203.0.113.0/24');
  const closedSg = await sg(vpcId);
  const other = await c.call('ecs', 'CreateVpc', { regionId, cidrBlock: '10.0.0.0/16' });
  const otherSg = await sg(other.vpcId as string);
  await rule(otherSg, '0.0.0.0/0');
  return {
    vpcId,
    vswitchId: (vsw as { vSwitchId?: string }).vSwitchId as string,
    zoneId,
    openSg,
    narrowSg,
    closedSg,
    otherVpcId: other.vpcId as string,
    otherSg,
  };
}

/** What a doctor test file runs against: an emulator with the seeded network, and an empty home. */
export async function doctorWorld(
  homePrefix: string,
): Promise<{ emu: Emulator; net: Network; home: string }> {
  const emu = await startEmulator();
  return { emu, net: await seedNetwork(emu), home: await mkdtemp(join(tmpdir(), homePrefix)) };
}

/** What a configuration of the minimal-policy checks sets: configText's options but the name. */
export interface PolicyShape {
  alibaba: Record<string, unknown>;
  /** providers.packer.image_family: the image and its copies join it. */
  family?: string;
  communicator?: string;
}

/**
 * The configurations the minimal policy is checked in (test/doctor/minimal-policy.test.ts, and every
 * action of it in `npm run policy-matrix`): a temporary network with a copy, a share and an image
 * family; an existing VPC, VSwitch and security group; and the same two through Cloud Assistant (with
 * a security group of the build's own in the existing VPC).
 */
export function policyVariants(
  net: Network,
  family: string,
): Array<{ name: string; title: string; shape: PolicyShape }> {
  return [
    {
      name: 'temporary-network',
      title: 'temporary network, copy and share, an image family',
      shape: {
        alibaba: { image_copy_regions: ['cn-shanghai'], image_share_accounts: [SECOND_ACCOUNT_ID] },
        family,
      },
    },
    {
      name: 'existing-network',
      title: 'existing VPC, VSwitch, security group',
      shape: { alibaba: { vpc_id: net.vpcId, vswitch_id: net.vswitchId, security_group_id: net.openSg } },
    },
    {
      name: 'assistant-own-network',
      title: 'cloud-assistant, its own network, copy',
      shape: { alibaba: { image_copy_regions: ['cn-shanghai'] }, communicator: 'cloud-assistant' },
    },
    {
      name: 'assistant-existing-network',
      title: 'cloud-assistant in an existing VPC and VSwitch',
      shape: { alibaba: { vpc_id: net.vpcId, vswitch_id: net.vswitchId }, communicator: 'cloud-assistant' },
    },
  ];
}

/** sindri.yaml text: `alibaba` lines are indented under providers.packer.alibaba. */
export function configText(
  opts: {
    name?: string;
    sshPort?: number;
    alibaba?: Record<string, unknown>;
    family?: string;
    communicator?: string;
  } = {},
): string {
  const alibaba: Record<string, unknown> = {
    region: 'cn-hangzhou',
    instance_type: 'ecs.g6.xlarge',
    ...opts.alibaba,
  };
  const lines = Object.entries(alibaba)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`);
  return [
    'version: "1.0"',
    `name: ${opts.name ?? 'doctor-test'}`,
    'deployment:',
    '  provider: packer',
    'extensions:',
    '  profile: minimal',
    'providers:',
    '  packer:',
    '    cloud: alibaba',
    `    image_name: ${opts.name ?? 'doctor-test'}`,
    ...(opts.family ? [`    image_family: ${opts.family}`] : []),
    '    build:',
    `      ssh_port: ${opts.sshPort ?? 22}`,
    '      ssh_timeout: 20s',
    ...(opts.communicator ? [`      communicator: ${opts.communicator}`] : []),
    '    alibaba:',
    ...lines,
    '',
  ].join('\n');
}

export function config(opts: Parameters<typeof configText>[0] = {}): SindriConfig {
  return resolveConfig({ text: configText(opts), displayFile: 'sindri.yaml', env: {} }).config;
}

export async function writeConfig(text: string): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'sindri-doctor-'));
  const file = join(dir, 'sindri.yaml');
  await writeFile(file, text);
  return { dir, file };
}

/** An environment that reaches only the emulator, with these keys. */
export function cloudEnv(
  emu: Emulator,
  keys: Keys | undefined,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    SINDRI_ENDPOINT: emu.url,
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
    ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true',
    CHECKPOINT_DISABLE: '1',
    ...(keys
      ? {
          ALIBABA_CLOUD_ACCESS_KEY_ID: keys.accessKeyId,
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: keys.accessKeySecret,
        }
      : {}),
    ...extra,
  };
}

export type { Emulator };
export { startEmulator };

export interface CheckOptions {
  config?: SindriConfig;
  keys?: Keys | null;
  env?: NodeJS.ProcessEnv;
  force?: boolean;
  timeoutMs?: number;
}

/** One doctor check against an emulator, as root unless other keys (or none) are given. */
export async function runCheck(
  emu: Emulator,
  home: string,
  id: string,
  opts: CheckOptions = {},
): Promise<CheckResult> {
  const report = await runDoctor({
    env: cloudEnv(emu, opts.keys === null ? undefined : (opts.keys ?? ROOT), opts.env),
    home,
    ...(opts.config ? { config: opts.config } : {}),
    force: opts.force ?? false,
    only: [id],
    timeoutMs: opts.timeoutMs ?? 15_000,
  });
  const r = report.checks[0];
  assert.ok(r, `no result for ${id}`);
  assert.equal(report.ok, r.status !== 'fail');
  return r;
}

/** A check's status and detail; what does not pass must say how to fix it. */
export function expectCheck(r: CheckResult, status: CheckResult['status'], detail: RegExp): void {
  assert.equal(r.status, status, `${r.id}: ${r.status} ${r.detail}`);
  assert.match(r.detail, detail);
  if (status === 'fail') assert.ok(r.fix, `${r.id} fails without a fix`);
}
