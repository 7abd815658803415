/**
 * Temporary credentials are renewed before they expire: 15 minutes before for STS and OIDC sessions,
 * 60 minutes before for ECS instance-role credentials (as @alicloud/credentials does). Through the
 * emulator, a distribution whose STS session ends half-way keeps working: the emulated clock (which
 * the session's Expiration and its check use) and sindri's clock move an hour and ten minutes on after
 * the first copy starts.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { CloudClients } from '../../src/cloud/clients.ts';
import { type Clock, realClock } from '../../src/cloud/clock.ts';
import {
  credentialSource,
  ECS_METADATA_RENEW_MARGIN_MS,
  RENEW_MARGIN_MS,
} from '../../src/cloud/credential-source.ts';
import type { ResolvedCredentials } from '../../src/cloud/credentials.ts';
import { type CloudSession, openSession } from '../../src/cloud/session.ts';
import { builtImage, type Harness, run } from '../distribution/helpers.ts';
import { type Emulator, ROOT_ACCOUNT_ID, startEmulator } from '../emulator/index.ts';

const MINUTE = 60_000;

describe('renewal margins', () => {
  const at = Date.UTC(2026, 0, 1, 12);
  const creds = (source: string, expiresInMs: number, id = 'STS.first'): ResolvedCredentials => ({
    accessKeyId: id,
    accessKeySecret: `${id}-secret`,
    securityToken: `${id}-token`,
    expiration: new Date(at + expiresInMs),
    source,
  });
  const sourceAt = (initial: ResolvedCredentials, now: number, fail = false) => {
    let resolved = 0;
    const s = credentialSource({
      initial,
      resolve: async () => {
        resolved++;
        if (fail) throw new Error('STS is down');
        return creds(initial.source, 60 * MINUTE, 'STS.second');
      },
      clock: { now: () => now },
    });
    return { s, resolved: () => resolved };
  };

  it('STS and OIDC credentials are renewed once less than 15 minutes are left, not before', async () => {
    for (const source of ['aliyun-cli:work (RamRoleArn)', 'oidc']) {
      const early = sourceAt(creds(source, 16 * MINUTE), at);
      assert.equal((await early.s.current()).accessKeyId, 'STS.first');
      assert.equal(early.resolved(), 0);
      const late = sourceAt(creds(source, 14 * MINUTE), at);
      assert.equal((await late.s.current()).accessKeyId, 'STS.second');
      assert.equal(late.resolved(), 1);
    }
    assert.equal(RENEW_MARGIN_MS, 15 * MINUTE);
  });

  it('ECS instance-role credentials are renewed once less than 60 minutes are left', async () => {
    assert.equal(ECS_METADATA_RENEW_MARGIN_MS, 60 * MINUTE);
    const early = sourceAt(creds('ecs-ram-role:BuildRole', 61 * MINUTE), at);
    assert.equal((await early.s.current()).accessKeyId, 'STS.first');
    const late = sourceAt(creds('ecs-ram-role:BuildRole', 59 * MINUTE), at);
    assert.equal((await late.s.current()).accessKeyId, 'STS.second');
  });

  it('a session shorter than twice the margin (900 s) is renewed at half its life, not on every request', async () => {
    let now = at;
    let resolved = 0;
    const s = credentialSource({
      initial: creds('oidc', 15 * MINUTE),
      resolve: async () => {
        resolved++;
        return { ...creds('oidc', 0, `STS.renewed${resolved}`), expiration: new Date(now + 15 * MINUTE) };
      },
      clock: { now: () => now },
    });
    // 15 minutes left of a session whose start is unknown: renewed at once.
    assert.equal((await s.current()).accessKeyId, 'STS.renewed1');
    for (let i = 0; i < 5; i++) await s.current();
    now += 7 * MINUTE;
    assert.equal((await s.current()).accessKeyId, 'STS.renewed1', '8 minutes left of 15: still fresh');
    now += 1 * MINUTE;
    assert.equal((await s.current()).accessKeyId, 'STS.renewed2', 'past half its life');
    assert.equal(resolved, 2);
  });

  it('a failed renewal keeps the old credentials while they are valid, then fails', async () => {
    const valid = sourceAt(creds('oidc', 5 * MINUTE), at, true);
    assert.equal((await valid.s.current()).accessKeyId, 'STS.first');
    const expired = sourceAt(creds('oidc', -1), at, true);
    await assert.rejects(expired.s.current(), { code: 'CredentialsRenewalFailed' });
  });

  it('credentials without an expiry (long-lived keys, a token given as such) are never resolved again', async () => {
    let resolved = 0;
    const s = credentialSource({
      initial: {
        accessKeyId: 'LTAI-long',
        accessKeySecret: 'x'.repeat(20),
        source: 'env:ALICLOUD_ACCESS_KEY',
      },
      resolve: async () => {
        resolved++;
        throw new Error('not called');
      },
    });
    await s.current();
    await s.current();
    assert.equal(resolved, 0);
  });

  it('every secret handed out is remembered for redaction', async () => {
    const { s } = sourceAt(creds('oidc', MINUTE), at);
    await s.current();
    for (const v of ['STS.first-secret', 'STS.first-token', 'STS.second-secret', 'STS.second-token'])
      assert.ok(s.secrets.includes(v), v);
  });
});

describe('an STS session that ends during a distribution', () => {
  let emu: Emulator;
  let env: NodeJS.ProcessEnv;
  let shiftMs = 0;
  /** sindri's clock, kept in step with the emulator's (signatures still use the real time). */
  const clock: Clock = { now: () => Date.now() + shiftMs, sleep: realClock.sleep };
  const advance = (ms: number) => {
    shiftMs += ms;
    emu.admin.advanceTime(ms);
  };

  before(async () => {
    emu = await startEmulator();
    const seeded = emu.admin.seedAccount({
      accountId: ROOT_ACCOUNT_ID,
      users: [{ userName: 'builder', policies: ['AliyunSTSAssumeRoleAccess'] }],
      roles: [{ roleName: 'DistributeRole', policies: ['AliyunECSFullAccess'] }],
    });
    const user = seeded.users.builder as { accessKeyId: string; accessKeySecret: string };
    const home = await mkdtemp(join(tmpdir(), 'sindri-renew-home-'));
    await mkdir(join(home, '.aliyun'));
    await writeFile(
      join(home, '.aliyun', 'config.json'),
      JSON.stringify({
        current: 'distribute',
        profiles: [
          {
            name: 'distribute',
            mode: 'RamRoleArn',
            access_key_id: user.accessKeyId,
            access_key_secret: user.accessKeySecret,
            ram_role_arn: (seeded.roles.DistributeRole as { arn: string }).arn,
            ram_session_name: 'sindri-distribute',
          },
        ],
      }),
    );
    env = { HOME: home, SINDRI_ENDPOINT: emu.url, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' };
  });
  after(() => emu.stop());
  beforeEach(() => {
    emu.admin.clearRequestLog();
    shiftMs = 0;
  });

  /** A harness whose clients move both clocks on by 70 minutes once the first CopyImage is sent. */
  async function harnessAround(session: CloudSession): Promise<Harness> {
    let moved = false;
    const wrap = (c: CloudClients): CloudClients => ({
      ...c,
      call: (async (product: never, action: never, request: never, options: never) => {
        const out = await c.call(product, action, request, options);
        if (action === 'CopyImage' && !moved) {
          moved = true;
          advance(70 * MINUTE);
        }
        return out;
      }) as CloudClients['call'],
    });
    const dir = await mkdtemp(join(tmpdir(), 'sindri-renew-dist-'));
    return {
      clients: wrap(await session.clients()),
      session: { ...session, clients: async (r?: string) => wrap(await session.clients(r)) },
      dir,
      env,
      dispose: async () => {},
    };
  }

  it('is renewed through the same chain (a new AssumeRole) and every later call is signed with the new session', async () => {
    const session = openSession({ env, settings: { region: 'cn-hangzhou' }, clientOptions: { clock } });
    const first = await session.credentials();
    assert.ok(first.securityToken && first.expiration, 'a temporary session');
    const h = await harnessAround(session);
    const { record } = builtImage(emu, 'b-renew', 'renew-base');
    const done = await run(h, record, {
      copyRegions: ['cn-shanghai', 'cn-beijing', 'cn-shenzhen'],
      shareAccounts: ['1000000000000002'],
      concurrency: 1,
      clock,
    });
    assert.equal(done.status, 'done', JSON.stringify(done.regions));
    const log = emu.admin.requestLog();
    assert.equal(log.filter((e) => e.action === 'AssumeRole').length, 2, 'renewed once');
    assert.ok(
      !log.some((e) => e.code === 'InvalidSecurityToken.Expired'),
      'no call was sent with the ended session',
    );
    const afterMove = log
      .slice(log.findIndex((e) => e.action === 'CopyImage') + 1)
      .filter((e) => e.product === 'ecs');
    assert.ok(afterMove.length > 3, 'the distribution went on after the session ended');
    const renewed = (await session.credentials()).accessKeyId;
    assert.notEqual(renewed, first.accessKeyId);
    for (const e of afterMove)
      assert.equal(e.accessKeyId, renewed, `${e.action} signed with the new session`);
  });

  it('without renewal the same distribution fails with the real code, InvalidSecurityToken.Expired', async () => {
    const session = openSession({ env, settings: { region: 'cn-hangzhou' }, clientOptions: { clock } });
    const initial = await session.credentials();
    const { createClients } = await import('../../src/cloud/clients.ts');
    // Clients given fixed credentials, as every client was before renewal existed.
    const fixed = await createClients({ credentials: initial, region: 'cn-hangzhou', env, clock });
    const h = await harnessAround({ ...session, clients: async () => fixed });
    const { record } = builtImage(emu, 'b-norenew', 'norenew-base');
    const done = await run(h, record, {
      copyRegions: ['cn-shanghai', 'cn-beijing'],
      concurrency: 1,
      clock,
    }).catch((e: unknown) => e);
    const log = emu.admin.requestLog();
    assert.ok(
      log.some((e) => e.code === 'InvalidSecurityToken.Expired'),
      JSON.stringify(done).slice(0, 300),
    );
  });
});
