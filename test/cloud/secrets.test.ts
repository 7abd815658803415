import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { type CallRetryEvent, createClients } from '../../src/cloud/clients.ts';
import { FakeClock } from '../../src/cloud/clock.ts';
import { type ResolvedCredentials, resolveCredentials } from '../../src/cloud/credentials.ts';
import { describeCloudError } from '../../src/cloud/errors.ts';
import { apiError, type Reply, type SeenRequest, startFakeApi } from './helpers/fake-api.ts';

/** Canary values: if any of these shows up in any produced text, a secret leaked. */
const CANARY = {
  accessKeyId: 'LTAI-FAKE-CANARY-ID-7f3a9c',
  accessKeySecret: 'fake-canary-secret-b81e44d0',
  securityToken: 'fake-canary-token-5c0ffee5',
};
const canaries = Object.values(CANARY);

function assertClean(text: string, where: string) {
  for (const c of canaries) {
    assert.ok(!text.includes(c), `${where} leaks ${c.slice(0, 12)}…:\n${text}`);
    assert.ok(!text.includes(encodeURIComponent(c)), `${where} leaks an encoded canary`);
  }
}

/** Everything a failure can turn into: the error itself, its JSON, inspect output, the user text. */
function assertErrorClean(err: unknown, where: string) {
  assertClean(String((err as Error).message), `${where} message`);
  assertClean(String((err as Error).stack), `${where} stack`);
  assertClean(JSON.stringify(err), `${where} JSON`);
  assertClean(inspect(err, { depth: 10, showHidden: true }), `${where} inspect`);
  assertClean(describeCloudError(err), `${where} description`);
}

let script: (req: SeenRequest) => Reply | undefined = () => undefined;
let api: Awaited<ReturnType<typeof startFakeApi>>;
let root: string;

before(async () => {
  api = await startFakeApi((req) => script(req));
  root = await mkdtemp(join(tmpdir(), 'sindri-canary-'));
});
after(async () => {
  await api.stop();
  await rm(root, { recursive: true, force: true });
});

const creds: ResolvedCredentials = { ...CANARY, source: 'env:ALIBABA_CLOUD_ACCESS_KEY_ID' };

describe('no credential value ever appears in messages', () => {
  it('on a bad key whose error message echoes the key and the string to sign', async () => {
    script = () =>
      apiError(
        400,
        'SignatureDoesNotMatch',
        `Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3D${CANARY.accessKeyId}%26SecurityToken%3D${encodeURIComponent(CANARY.securityToken)}`,
      );
    const lines: string[] = [];
    const c = await createClients({
      credentials: creds,
      region: 'cn-hangzhou',
      env: { SINDRI_ENDPOINT: api.url },
      clock: new FakeClock(),
      debug: (l) => lines.push(l),
    });
    const err = await c.call('ecs', 'DescribeImages', { regionId: 'cn-hangzhou' }).catch((e: unknown) => e);
    assert.equal((err as { code?: string }).code, 'SignatureDoesNotMatch');
    assertErrorClean(err, 'SignatureDoesNotMatch');
    assert.ok(lines.length > 0);
    for (const l of lines) assertClean(l, 'debug line');
  });

  it('on throttling retries, in every onRetry event and debug line', async () => {
    script = () =>
      apiError(
        400,
        'Throttling.User',
        `Request was denied for key ${CANARY.accessKeyId} token ${CANARY.securityToken}`,
      );
    const lines: string[] = [];
    const events: CallRetryEvent[] = [];
    const c = await createClients({
      credentials: creds,
      region: 'cn-hangzhou',
      env: { SINDRI_ENDPOINT: api.url },
      clock: new FakeClock(),
      retry: { maxAttempts: 3 },
      debug: (l) => lines.push(l),
      onRetry: (e) => events.push(e),
    });
    const err = await c
      .call('ecs', 'CreateImage', { regionId: 'cn-hangzhou', instanceId: 'i-x' })
      .catch((e: unknown) => e);
    assertErrorClean(err, 'Throttling');
    assert.equal(events.length, 2);
    for (const e of events) assertErrorClean(e.error, 'retry event');
    for (const l of lines) assertClean(l, 'debug line');
  });

  it('on a network error (refused connection)', async () => {
    const c = await createClients({
      credentials: creds,
      region: 'cn-hangzhou',
      env: { SINDRI_ENDPOINT: 'http://127.0.0.1:9' },
      clock: new FakeClock(),
      retry: { maxAttempts: 2 },
    });
    const err = await c.call('vpc', 'DescribeVpcs', { regionId: 'cn-hangzhou' }).catch((e: unknown) => e);
    assert.equal((err as { code?: string }).code, 'ECONNREFUSED');
    assertErrorClean(err, 'ECONNREFUSED');
  });

  it('on an SDK-side error (invalid endpoint, unknown action)', async () => {
    const c = await createClients({
      credentials: creds,
      region: 'cn-hangzhou',
      env: { SINDRI_ENDPOINT: api.url },
    });
    const err = await c.call('ram', 'NoSuchAction' as 'ListUsers', {}).catch((e: unknown) => e);
    assertErrorClean(err, 'UnknownAction');
    const bad = await createClients({
      credentials: creds,
      region: 'cn-hangzhou',
      env: { SINDRI_ENDPOINT: `http://${CANARY.accessKeyId}:${CANARY.accessKeySecret}@127.0.0.1:1` },
    }).catch((e: unknown) => e);
    assertErrorClean(bad, 'InvalidEndpoint');
  });

  it('on credential resolution failures (partial env, broken files, failed role exchange)', async () => {
    const home = join(root, 'h1');
    await mkdir(join(home, '.aliyun'), { recursive: true });
    const base = { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' };
    const partial = await resolveCredentials({
      env: { ...base, ALIBABA_CLOUD_ACCESS_KEY_SECRET: CANARY.accessKeySecret },
      home,
    }).catch((e: unknown) => e);
    assertErrorClean(partial, 'partial env');

    await writeFile(
      join(home, '.aliyun', 'config.json'),
      `{"profiles":[{"access_key_secret":"${CANARY.accessKeySecret}"`,
    );
    const broken = await resolveCredentials({ env: base, home }).catch((e: unknown) => e);
    assert.equal((broken as { code?: string }).code, 'CredentialsFileInvalid');
    assertErrorClean(broken, 'broken file');

    await writeFile(
      join(home, '.aliyun', 'config.json'),
      JSON.stringify({
        current: 'r',
        profiles: [
          {
            name: 'r',
            mode: 'RamRoleArn',
            access_key_id: CANARY.accessKeyId,
            access_key_secret: CANARY.accessKeySecret,
            ram_role_arn: 'acs:ram::1000000000000001:role/x',
          },
        ],
      }),
    );
    // The real STS path through the SDK against the fake API, which rejects the key.
    script = () =>
      apiError(
        404,
        'InvalidAccessKeyId.NotFound',
        `Specified access key ${CANARY.accessKeyId} is not found.`,
      );
    const failedExchange = await resolveCredentials({ env: base, home, stsEndpoint: api.url }).catch(
      (e: unknown) => e,
    );
    assert.equal((failedExchange as { code?: string }).code, 'InvalidAccessKeyId.NotFound');
    assertErrorClean(failedExchange, 'AssumeRole');
  });
});
