/**
 * The client layer against the local emulator: real signatures, real credential exchanges,
 * and the fault test (30% throttling and 5xx on every action).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CallRetryEvent, type CloudClients, createClients } from '../../src/cloud/clients.ts';
import { FakeClock } from '../../src/cloud/clock.ts';
import { type ResolvedCredentials, resolveCredentials } from '../../src/cloud/credentials.ts';
import { CloudError, describeCloudError } from '../../src/cloud/errors.ts';
import { waitFor } from '../../src/cloud/waiter.ts';
import {
  type Emulator,
  ROOT_ACCESS_KEY_ID,
  ROOT_ACCESS_KEY_SECRET,
  startEmulator,
} from '../emulator/index.ts';

let emu: Emulator;
let root: string;

before(async () => {
  emu = await startEmulator({ quotas: { vpcs: 1000, eips: 1000, securityGroups: 1000 } });
  root = await mkdtemp(join(tmpdir(), 'sindri-emu-'));
});
after(async () => {
  await emu.stop();
  await rm(root, { recursive: true, force: true });
});

const BASE_ENV = { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true', ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true' };

async function rootCredentials(): Promise<ResolvedCredentials> {
  return resolveCredentials({
    env: {
      ...BASE_ENV,
      ALICLOUD_ACCESS_KEY: ROOT_ACCESS_KEY_ID,
      ALICLOUD_SECRET_KEY: ROOT_ACCESS_KEY_SECRET,
    },
    home: root,
  });
}

async function clientsFor(
  credentials: ResolvedCredentials,
  extra: Partial<Parameters<typeof createClients>[0]> = {},
) {
  return createClients({
    credentials,
    region: 'cn-hangzhou',
    env: { SINDRI_ENDPOINT: emu.url },
    clock: new FakeClock(),
    ...extra,
  });
}

describe('against the emulator', () => {
  it('signs calls the emulator accepts, with ACS3-HMAC-SHA256 and with HMAC-SHA1', async () => {
    const creds = await rootCredentials();
    assert.equal(creds.source, 'env:ALICLOUD_ACCESS_KEY');
    for (const signatureAlgorithm of ['ACS3-HMAC-SHA256', 'v2'] as const) {
      const c = await clientsFor(creds, { signatureAlgorithm });
      const regions = await c.call('ecs', 'DescribeRegions', {});
      assert.ok(
        (regions.regions?.region ?? []).some((r) => r.regionId === 'cn-hangzhou'),
        signatureAlgorithm,
      );
      const me = await c.call('sts', 'GetCallerIdentity', {});
      assert.ok(me.accountId, signatureAlgorithm);
    }
  });

  it('turns a wrong secret into an actionable message without leaking it', async () => {
    const wrong: ResolvedCredentials = {
      accessKeyId: ROOT_ACCESS_KEY_ID,
      accessKeySecret: 'fake-wrong-secret-canary-42',
      source: 'env:ALICLOUD_ACCESS_KEY',
    };
    const c = await clientsFor(wrong);
    const err = await c.call('ecs', 'DescribeImages', { regionId: 'cn-hangzhou' }).catch((e: unknown) => e);
    assert.ok(err instanceof CloudError);
    assert.equal(err.code, 'SignatureDoesNotMatch');
    assert.equal(err.attempts, 1);
    const text = describeCloudError(err);
    assert.match(text, /secret does not match/);
    assert.match(text, /Request ID: \S+/);
    for (const t of [text, JSON.stringify(err), err.message]) {
      assert.ok(!t.includes('fake-wrong-secret-canary-42'));
      assert.ok(!t.includes(ROOT_ACCESS_KEY_ID));
    }
  });

  it('assumes a RAM role from an aliyun CLI RamRoleArn profile through the emulator’s STS', async () => {
    const seeded = emu.admin.seedAccount({
      users: [{ userName: 'builder', policies: ['AliyunSTSAssumeRoleAccess'] }],
      roles: [{ roleName: 'PackerBuildRole', policies: ['AliyunECSFullAccess'] }],
    });
    const user = seeded.users.builder as { accessKeyId: string; accessKeySecret: string };
    const role = seeded.roles.PackerBuildRole as { arn: string };
    const home = join(root, 'role-home');
    await mkdir(join(home, '.aliyun'), { recursive: true });
    await writeFile(
      join(home, '.aliyun', 'config.json'),
      JSON.stringify({
        current: 'build',
        profiles: [
          {
            name: 'build',
            mode: 'RamRoleArn',
            access_key_id: user.accessKeyId,
            access_key_secret: user.accessKeySecret,
            ram_role_arn: role.arn,
            ram_session_name: 'sindri-test',
          },
        ],
      }),
    );
    const creds = await resolveCredentials({
      env: { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' },
      home,
      stsEndpoint: emu.url,
    });
    assert.equal(creds.source, 'aliyun-cli:build (RamRoleArn)');
    assert.ok(creds.securityToken);
    assert.notEqual(creds.accessKeyId, user.accessKeyId);
    const c = await clientsFor(creds);
    const me = await c.call('sts', 'GetCallerIdentity', {});
    assert.match(String(me.arn), /assumed-role\/packerbuildrole\//i);
  });

  it('waits for a created VPC with the waiter on an injected clock', async () => {
    const c = await clientsFor(await rootCredentials());
    const { vpcId } = await c.call('vpc', 'CreateVpc', {
      regionId: 'cn-hangzhou',
      cidrBlock: '192.168.0.0/16',
    });
    const clock = new FakeClock();
    const polls: string[] = [];
    const vpc = await waitFor({
      poll: async () =>
        (await c.call('vpc', 'DescribeVpcs', { regionId: 'cn-hangzhou', vpcId })).vpcs?.vpc?.[0]?.status ??
        'Missing',
      isDone: (s) => s === 'Available',
      deadlineMs: 60_000,
      clock,
      onProgress: (p) => polls.push(p.value),
    });
    assert.equal(vpc, 'Available');
    assert.ok(polls.length >= 1);
  });
});

describe('fault test: 30% throttling and 5xx on every action', () => {
  /**
   * 200 calls, a mix of reads and creates. Each call independently fails with probability
   * 0.3 per attempt, so with the default 5 attempts some call among 200 would exhaust its
   * retries about 39% of the time (1 - (1 - 0.3^5)^200); the test uses 12 attempts, where that
   * chance is about 1e-4. No real time passes: backoff runs on a fake clock.
   */
  it('completes 200 calls and creates nothing twice', async () => {
    emu.admin.reset();
    emu.admin.setQuotas({ vpcs: 1000, eips: 1000, securityGroups: 1000 });
    // Faults are tried in order, each with its own chance: 15% Throttling, 7.5% 503, 7.5% 500.
    emu.admin.injectFault({ action: '*', code: 'Throttling.User', probability: 0.15 });
    emu.admin.injectFault({ action: '*', code: 'ServiceUnavailable', probability: 0.075 / 0.85 });
    emu.admin.injectFault({ action: '*', code: 'InternalError', probability: 0.075 / 0.775 });
    emu.admin.clearRequestLog();

    const retries: CallRetryEvent[] = [];
    const c: CloudClients = await clientsFor(await rootCredentials(), {
      retry: { maxAttempts: 12 },
      onRetry: (e) => retries.push(e),
    });
    const created = { vpcs: new Set<string>(), eips: new Set<string>(), groups: new Set<string>() };
    const plan = [
      'DescribeRegions',
      'CreateVpc',
      'DescribeVpcs',
      'AllocateEipAddress',
      'CreateSecurityGroup',
    ];
    for (let i = 0; i < 200; i++) {
      switch (plan[i % plan.length]) {
        case 'DescribeRegions':
          await c.call('ecs', 'DescribeRegions', {});
          break;
        case 'CreateVpc': {
          const r = await c.call('vpc', 'CreateVpc', {
            regionId: 'cn-hangzhou',
            cidrBlock: '10.0.0.0/8',
            vpcName: `v${i}`,
          });
          created.vpcs.add(String(r.vpcId));
          break;
        }
        case 'DescribeVpcs':
          await c.call('vpc', 'DescribeVpcs', { regionId: 'cn-hangzhou', pageSize: 50 });
          break;
        case 'AllocateEipAddress': {
          const r = await c.call('vpc', 'AllocateEipAddress', { regionId: 'cn-hangzhou' });
          created.eips.add(String(r.allocationId));
          break;
        }
        case 'CreateSecurityGroup': {
          const vpcId = [...created.vpcs][0];
          const r = await c.call('ecs', 'CreateSecurityGroup', {
            regionId: 'cn-hangzhou',
            vpcId,
            securityGroupName: `g${i}`,
          });
          created.groups.add(String(r.securityGroupId));
          break;
        }
      }
    }
    const log = emu.admin.requestLog();
    const faulted = log.filter((e) => e.fault !== undefined);
    const live = emu.admin.liveResources('cn-hangzhou');
    emu.admin.clearFaults();

    // Every logical create made exactly one resource.
    assert.equal(created.vpcs.size, 40);
    assert.equal(created.eips.size, 40);
    assert.equal(created.groups.size, 40);
    assert.equal(live.vpcs.length, 40);
    assert.equal(live.eips.length, 40);
    assert.equal(live.securityGroups.length, 40);
    // Each create was sent with a single ClientToken reused by its retries.
    for (const action of ['CreateVpc', 'AllocateEipAddress', 'CreateSecurityGroup']) {
      const sent = log.filter((e) => e.action === action);
      const tokens = new Set(sent.map((e) => e.params.ClientToken));
      assert.equal(tokens.size, 40, action);
      assert.ok(!tokens.has(undefined as unknown as string), action);
    }
    // The faults really happened, and every one of them was retried.
    assert.equal(log.length, 200 + faulted.length);
    assert.equal(retries.length, faulted.length);
    const rate = faulted.length / log.length;
    assert.ok(rate > 0.2 && rate < 0.4, `fault rate ${rate}`);
    console.log(
      `fault test: 200 calls, ${log.length} requests, ${faulted.length} faults injected (${(rate * 100).toFixed(1)}%), ${retries.length} retries`,
    );
  });

  it('survives lost responses on creates: the retry with the same ClientToken gets the same resource', async () => {
    emu.admin.clearRequestLog();
    const before = emu.admin.liveResources('cn-hangzhou').vpcs.length;
    // The first 3 CreateVpc calls answer after 400 ms; the client gives up after 150 ms, retries,
    // and the slow original is processed later with the same token.
    emu.admin.injectFault({ action: 'vpc:CreateVpc', latencyMs: 400, count: 3 });
    const retries: CallRetryEvent[] = [];
    const c = await clientsFor(await rootCredentials(), {
      readTimeoutMs: 150,
      connectTimeoutMs: 150,
      onRetry: (e) => retries.push(e),
    });
    const r = await c.call('vpc', 'CreateVpc', { regionId: 'cn-hangzhou', cidrBlock: '10.0.0.0/8' });
    assert.deepEqual(
      retries.map((e) => e.error.code),
      ['ETIMEDOUT', 'ETIMEDOUT', 'ETIMEDOUT'],
    );
    // The emulator logs a request when it has answered it: wait for the three slow originals.
    for (let i = 0; i < 200 && emu.admin.requestLog({ action: 'CreateVpc' }).length < 4; i++) {
      await new Promise((res) => setTimeout(res, 10));
    }
    emu.admin.clearFaults();
    const after = emu.admin.liveResources('cn-hangzhou').vpcs.length;
    assert.equal(after - before, 1);
    assert.ok(r.vpcId);
    const sent = emu.admin.requestLog({ action: 'CreateVpc' });
    assert.equal(sent.length, 4);
    assert.equal(new Set(sent.map((e) => e.params.ClientToken)).size, 1);
  });
});
