/**
 * A long download with temporary credentials: when the STS session nears its end, the OSS client
 * gets new credentials from sindri's own chain (here a RamRoleArn profile, assumed through the
 * emulator's STS) and the resumed requests are signed with them; without renewal OSS refuses the
 * expired token with SecurityTokenExpired. Both in process and through the download process.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { credentialRenewer, type Renewable, resolveAgain } from '../../src/transfer/credential-renewal.ts';
import { downloadObject } from '../../src/transfer/download.ts';
import { downloadInWorker } from '../../src/transfer/download-worker.ts';
import { createOssClient } from '../../src/transfer/oss-client.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';

const MiB = 1024 * 1024;
const BUCKET = 'sindri-exports';
const REGION = 'cn-hangzhou';
const fast = { baseDelayMs: 10, maxDelayMs: 20 };
let emu: Emulator;
let env: NodeJS.ProcessEnv;
let accountId: string;

before(async () => {
  emu = await startEmulator();
  const seeded = emu.admin.seedAccount({
    users: [{ userName: 'exporter', policies: ['AliyunSTSAssumeRoleAccess'] }],
    // RAM policies are not evaluated for OSS in the emulator; the role needs none for it.
    roles: [{ roleName: 'ExportRole', policies: ['AliyunECSFullAccess'] }],
  });
  accountId = seeded.accountId;
  const user = seeded.users.exporter as { accessKeyId: string; accessKeySecret: string };
  const home = await mkdtemp(join(tmpdir(), 'sindri-home-'));
  await mkdir(join(home, '.aliyun'));
  await writeFile(
    join(home, '.aliyun', 'config.json'),
    JSON.stringify({
      current: 'export',
      profiles: [
        {
          name: 'export',
          mode: 'RamRoleArn',
          access_key_id: user.accessKeyId,
          access_key_secret: user.accessKeySecret,
          ram_role_arn: (seeded.roles.ExportRole as { arn: string }).arn,
          ram_session_name: 'sindri-export',
        },
      ],
    }),
  );
  env = { HOME: home, SINDRI_ENDPOINT: emu.url, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' };
});
after(() => emu.stop());
beforeEach(() => {
  emu.oss.reset();
  emu.oss.createBucket(BUCKET, { accountId });
});

/** A session from the role, and a renewer whose clock the test moves to just before the session's end. */
async function session() {
  const resolve = resolveAgain({ env, region: REGION });
  const initial = await resolve();
  assert.ok(initial.securityToken && initial.expiration, 'a temporary session');
  let shiftMs = 0;
  const renew = credentialRenewer({ initial, resolve, clock: { now: () => Date.now() + shiftMs } });
  const nearTheEnd = () => {
    emu.oss.expireAccessKey(initial.accessKeyId);
    shiftMs = (initial.expiration as Date).getTime() - Date.now() - 5 * 60_000;
  };
  return { initial, renew, nearTheEnd };
}

async function object(key: string, size: number) {
  emu.oss.putGenerated(BUCKET, key, size, `seed-${key}`);
  emu.oss.dropAfter(MiB, { key });
  return join(await mkdtemp(join(tmpdir(), 'sindri-dl-')), 'disk.raw');
}

test('in process: the resumed request is signed with renewed credentials; without renewal, SecurityTokenExpired', async () => {
  const { initial, renew, nearTheEnd } = await session();
  const oss = await createOssClient({
    credentials: initial,
    region: REGION,
    env,
    refreshCredentials: renew,
    refreshIntervalMs: 0,
  });
  const dest = await object('long.raw', 3 * MiB);
  const r = await downloadObject({
    oss,
    bucket: BUCKET,
    key: 'long.raw',
    dest,
    retry: fast,
    onRetry: nearTheEnd,
  });
  assert.equal(r.verifiedBy, 'crc64');
  assert.deepEqual(await readFile(dest), emu.oss.generatedContent('seed-long.raw', 0, 3 * MiB - 1));
  const signers = emu.oss.getLog().map((g) => g.accessKeyId);
  assert.equal(signers.length, 2);
  assert.equal(signers[0], initial.accessKeyId);
  assert.ok(signers[1]?.startsWith('STS.') && signers[1] !== initial.accessKeyId, `renewed: ${signers[1]}`);

  const stale = await session();
  const plain = await createOssClient({ credentials: stale.initial, region: REGION, env });
  const dest2 = await object('stale.raw', 2 * MiB);
  await assert.rejects(
    downloadObject({
      oss: plain,
      bucket: BUCKET,
      key: 'stale.raw',
      dest: dest2,
      retry: fast,
      onRetry: stale.nearTheEnd,
    }),
    { code: 'SecurityTokenExpired', statusCode: 403 },
  );
});

test('through the download process: the child asks the CLI process for renewed credentials', async () => {
  const { initial, renew, nearTheEnd } = await session();
  const dest = await object('worker.raw', 3 * MiB);
  const oss = await createOssClient({ credentials: initial, region: REGION, env });
  const info = await oss.head(BUCKET, 'worker.raw');
  const asked: Renewable[] = [];
  const r = await downloadInWorker({
    job: { region: REGION, bucket: BUCKET, key: 'worker.raw', dest, info, retry: fast, refreshIntervalMs: 0 },
    credentials: initial,
    env,
    renewCredentials: async () => {
      const c = await renew();
      asked.push(c);
      return c;
    },
    onRetry: nearTheEnd,
  });
  assert.equal(r.verifiedBy, 'crc64');
  const signers = emu.oss.getLog().map((g) => g.accessKeyId);
  assert.equal(signers.at(-1), asked.at(-1)?.accessKeyId);
  assert.notEqual(signers.at(-1), initial.accessKeyId);
});
