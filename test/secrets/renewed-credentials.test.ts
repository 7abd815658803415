/**
 * Renewed credentials are secrets too: the keys, secrets and tokens of every STS session a command
 * used, the first and the renewed ones, stay out of --debug lines and error messages.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { realClock } from '../../src/cloud/clock.ts';
import { openSession } from '../../src/cloud/session.ts';
import { errorText } from '../../src/errors.ts';
import { type Emulator, ROOT_ACCOUNT_ID, startEmulator } from '../emulator/index.ts';

const USER_KEY = 'LTAI-FAKE-RENEWCANARY-5d1e';
const USER_SECRET = 'renew-canary-secret-Qm3Zt8Wv1Kp4';
let emu: Emulator;
let env: NodeJS.ProcessEnv;

before(async () => {
  emu = await startEmulator();
  const seeded = emu.admin.seedAccount({
    accountId: ROOT_ACCOUNT_ID,
    users: [
      {
        userName: 'renew-canary',
        policies: ['AliyunSTSAssumeRoleAccess'],
        accessKeys: [{ accessKeyId: USER_KEY, accessKeySecret: USER_SECRET }],
      },
    ],
    roles: [{ roleName: 'RenewCanaryRole', policies: ['AliyunECSFullAccess'] }],
  });
  const home = await mkdtemp(join(tmpdir(), 'sindri-renew-canary-'));
  await mkdir(join(home, '.aliyun'));
  await writeFile(
    join(home, '.aliyun', 'config.json'),
    JSON.stringify({
      current: 'canary',
      profiles: [
        {
          name: 'canary',
          mode: 'RamRoleArn',
          access_key_id: USER_KEY,
          access_key_secret: USER_SECRET,
          ram_role_arn: (seeded.roles.RenewCanaryRole as { arn: string }).arn,
        },
      ],
    }),
  );
  env = { HOME: home, SINDRI_ENDPOINT: emu.url, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' };
});
after(() => emu.stop());

it('no key, secret or token of the first or a renewed session shows in --debug lines or errors', async () => {
  const lines: string[] = [];
  let shiftMs = 0;
  const session = openSession({
    env,
    settings: { region: 'cn-hangzhou' },
    debug: (l) => lines.push(l),
    clientOptions: {
      clock: { now: () => Date.now() + shiftMs, sleep: realClock.sleep },
      retry: { maxAttempts: 2 },
    },
  });
  const first = await session.credentials();
  const clients = await session.clients();
  await clients.call('ecs', 'DescribeRegions', {});
  // Close to the session's end: the next call renews it.
  shiftMs = (first.expiration as Date).getTime() - Date.now() - 5 * 60_000;
  emu.admin.injectFault({ action: 'DescribeImages', code: 'InternalError', count: 2 });
  const failure = await clients
    .call('ecs', 'DescribeImages', { regionId: 'cn-hangzhou' })
    .catch((e: unknown) => e);
  const renewed = await session.credentials();
  assert.notEqual(renewed.accessKeyId, first.accessKeyId, 'renewed');
  const shown = [...lines, errorText(failure), String((failure as Error).message)].join('\n');
  assert.match(shown, /InternalError/);
  for (const secret of [
    USER_SECRET,
    first.accessKeySecret,
    first.securityToken,
    renewed.accessKeySecret,
    renewed.securityToken,
  ]) {
    assert.ok(secret && !shown.includes(secret), 'a secret leaked');
  }
  // The ECS clients never send the base key (only STS sees it); they know every session's values.
  for (const secret of [
    first.accessKeySecret,
    first.securityToken,
    renewed.accessKeySecret,
    renewed.securityToken,
  ])
    assert.ok(!clients.redact(`x ${secret} y`).includes(secret as string), 'redact knows it');
});
