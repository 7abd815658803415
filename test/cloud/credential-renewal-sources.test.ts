/**
 * The other temporary sources are renewed too, through the emulator: an OIDC session (a new
 * AssumeRoleWithOIDC with the token file read again) and ECS instance-role credentials (the metadata
 * service read again once less than an hour is left; here a stand-in metadata service whose keys the
 * emulator accepts until their Expiration on its clock).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClients } from '../../src/cloud/clients.ts';
import { type Clock, realClock } from '../../src/cloud/clock.ts';
import { credentialSource } from '../../src/cloud/credential-source.ts';
import { type FetchLike, resolveCredentials } from '../../src/cloud/credentials.ts';
import { openSession } from '../../src/cloud/session.ts';
import { type Emulator, ROOT_ACCOUNT_ID, startEmulator } from '../emulator/index.ts';

const MINUTE = 60_000;
const ISSUER = 'https://token.actions.githubusercontent.com';
let emu: Emulator;
let shiftMs = 0;
const clock: Clock = { now: () => Date.now() + shiftMs, sleep: realClock.sleep };
const advance = (ms: number) => {
  shiftMs += ms;
  emu.admin.advanceTime(ms);
};
const isoSeconds = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

before(async () => {
  emu = await startEmulator();
  emu.admin.seedAccount({
    accountId: ROOT_ACCOUNT_ID,
    oidcProviders: [{ name: 'github', issuerUrl: ISSUER, clientIds: ['sts.aliyuncs.com'] }],
    roles: [{ roleName: 'gha-renew', trustedOidcProviders: ['github'], policies: ['AdministratorAccess'] }],
  });
});
after(() => emu.stop());

describe('renewal of other temporary sources', () => {
  it('an OIDC session is exchanged again before it ends, with the token file read again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sindri-oidc-renew-'));
    const tokenFile = join(dir, 'token');
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = {
      iss: ISSUER,
      aud: 'sts.aliyuncs.com',
      sub: 'repo:x/y',
      exp: Math.floor(Date.now() / 1000) + 4 * 3600,
    };
    await writeFile(tokenFile, `${part({ alg: 'RS256' })}.${part(claims)}.c2ln`);
    const env = {
      HOME: dir,
      SINDRI_ENDPOINT: emu.url,
      ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
      ALIBABA_CLOUD_ROLE_ARN: `acs:ram::${ROOT_ACCOUNT_ID}:role/gha-renew`,
      ALIBABA_CLOUD_OIDC_PROVIDER_ARN: `acs:ram::${ROOT_ACCOUNT_ID}:oidc-provider/github`,
      ALIBABA_CLOUD_OIDC_TOKEN_FILE: tokenFile,
    };
    emu.admin.clearRequestLog();
    const session = openSession({ env, settings: { region: 'cn-hangzhou' }, clientOptions: { clock } });
    const clients = await session.clients();
    await clients.call('ecs', 'DescribeRegions', {});
    advance(50 * MINUTE); // 10 minutes left: inside the 15-minute margin
    await clients.call('ecs', 'DescribeRegions', {});
    advance(30 * MINUTE); // the first session has ended
    await clients.call('ecs', 'DescribeRegions', {});
    const log = emu.admin.requestLog();
    assert.equal(log.filter((e) => e.action === 'AssumeRoleWithOIDC').length, 2);
    assert.ok(!log.some((e) => e.code === 'InvalidSecurityToken.Expired'));
  });

  it('ECS instance-role credentials are read again once less than an hour is left', async () => {
    let reads = 0;
    // A stand-in for 100.100.100.200: six-hour keys the emulator knows (as the metadata service rotates them).
    const metadata: FetchLike = async (url, init) => {
      const answer = (text: string) => ({ ok: true, status: 200, text: async () => text });
      if (init?.method === 'PUT') return answer('metadata-token');
      if (url.endsWith('/security-credentials/')) return answer('BuildRole\n');
      reads++;
      const accessKeyId = `STS.META${reads}${randomBytes(4).toString('hex')}`;
      const secret = randomBytes(16).toString('hex');
      const securityToken = `CAIS-META-${randomBytes(16).toString('hex')}`;
      const expiresAt = emu.admin.world.now() + 6 * 60 * MINUTE;
      emu.admin.world.addAccessKey({
        accessKeyId,
        secret,
        securityToken,
        expiresAt,
        principal: { type: 'root', accountId: ROOT_ACCOUNT_ID },
      });
      return answer(
        JSON.stringify({
          AccessKeyId: accessKeyId,
          AccessKeySecret: secret,
          SecurityToken: securityToken,
          Expiration: isoSeconds(expiresAt),
          Code: 'Success',
        }),
      );
    };
    const env = { HOME: await mkdtemp(join(tmpdir(), 'sindri-meta-')), SINDRI_ENDPOINT: emu.url };
    const resolve = () => resolveCredentials({ env, home: env.HOME, fetchImpl: metadata });
    const initial = await resolve();
    assert.equal(initial.source, 'ecs-ram-role:BuildRole');
    const source = credentialSource({ initial, resolve, clock });
    const clients = await createClients({ credentials: source, region: 'cn-hangzhou', env, clock });
    await clients.call('ecs', 'DescribeRegions', {});
    advance(4 * 60 * MINUTE + 59 * MINUTE); // 61 minutes left: not yet
    await clients.call('ecs', 'DescribeRegions', {});
    assert.equal(reads, 1);
    advance(2 * MINUTE); // 59 minutes left
    await clients.call('ecs', 'DescribeRegions', {});
    assert.equal(reads, 2);
    advance(60 * MINUTE); // the first keys have expired
    await clients.call('ecs', 'DescribeRegions', {});
    const calls = emu.admin.requestLog({ action: 'DescribeRegions' }).slice(-2);
    assert.ok(calls.every((e) => e.status === 200 && e.accessKeyId?.startsWith('STS.META2')));
  });
});
