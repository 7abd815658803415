import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type CallRetryEvent, createClients, isReadAction, newClientToken } from '../../src/cloud/clients.ts';
import { FakeClock } from '../../src/cloud/clock.ts';
import type { ResolvedCredentials } from '../../src/cloud/credentials.ts';
import { CloudError } from '../../src/cloud/errors.ts';
import { apiError, type Reply, type SeenRequest, startFakeApi } from './helpers/fake-api.ts';

const creds: ResolvedCredentials = {
  accessKeyId: 'LTAI-FAKE-CLIENTS-0001',
  accessKeySecret: 'fake-secret-clients-do-not-use',
  source: 'env:ALICLOUD_ACCESS_KEY',
};

let script: (req: SeenRequest, nth: number) => Reply | undefined = () => undefined;
let api: Awaited<ReturnType<typeof startFakeApi>>;

before(async () => {
  api = await startFakeApi((req, nth) => script(req, nth));
});
after(() => api.stop());

function clients(extra: Partial<Parameters<typeof createClients>[0]> = {}) {
  return createClients({
    credentials: creds,
    region: 'cn-hangzhou',
    env: { SINDRI_ENDPOINT: api.url },
    clock: new FakeClock(),
    ...extra,
  });
}

describe('module loading', () => {
  // The SDK packages; test/cloud/sdk-load.test.ts has the same for dist/sdk.cjs.
  it('imports no SDK until a product is first called', async () => {
    const code = `
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/package.json');
      await import('./src/cloud/index.ts');
      await import('./src/cloud/clients.ts');
      await import('./src/cloud/credentials.ts');
      await import('./src/cloud/retry.ts');
      await import('./src/cloud/waiter.ts');
      await import('./src/cloud/errors.ts');
      await import('./src/cloud/endpoints.ts');
      const { createClients } = await import('./src/cloud/clients.ts');
      const sdkLoaded = () => Object.keys(require.cache).filter((k) => /@alicloud[\\\\/](ecs|vpc|ram|sts)20/.test(k)).length;
      const before = sdkLoaded();
      const c = await createClients({ credentials: { accessKeyId: 'LTAI-FAKE-X', accessKeySecret: 'fake', source: 't' }, region: 'cn-hangzhou', env: { SINDRI_SDK: 'packages' } });
      const afterCreate = sdkLoaded();
      await c.endpoint('ecs');
      const ecsOnly = Object.keys(require.cache).filter((k) => /@alicloud[\\\\/]ecs20/.test(k)).length;
      const others = Object.keys(require.cache).filter((k) => /@alicloud[\\\\/](vpc|ram|sts)20/.test(k)).length;
      console.log(JSON.stringify({ before, afterCreate, ecsOnly, others }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], {
      cwd: new URL('../..', import.meta.url).pathname,
    });
    const r = JSON.parse(stdout.trim()) as Record<string, number>;
    assert.equal(r.before, 0, 'an SDK was imported at module load');
    assert.equal(r.afterCreate, 0, 'createClients imported an SDK');
    assert.ok((r.ecsOnly ?? 0) > 0, 'the ECS SDK should load on first use');
    assert.equal(r.others, 0, 'only the product used should load');
  });
});

describe('createClients', () => {
  it('calls an action at the http:// endpoint override and returns the typed body', async () => {
    script = (req) =>
      req.action === 'DescribeRegions'
        ? {
            status: 200,
            json: {
              RequestId: 'REQ-1',
              Regions: {
                Region: [
                  {
                    RegionId: 'cn-hangzhou',
                    LocalName: 'Hangzhou',
                    RegionEndpoint: 'ecs.cn-hangzhou.aliyuncs.com',
                  },
                ],
              },
            },
          }
        : undefined;
    const c = await clients();
    const body = await c.call('ecs', 'DescribeRegions', { acceptLanguage: 'en-US' });
    assert.equal(body.regions?.region?.[0]?.regionId, 'cn-hangzhou');
    const last = api.seen.at(-1) as SeenRequest;
    assert.equal(last.action, 'DescribeRegions');
    assert.equal(last.query.get('AcceptLanguage'), 'en-US');
    await c.call('ecs', 'DescribeImages', { regionId: 'cn-hangzhou', imageName: 'sindri-dev' });
    assert.equal(api.seen.at(-1)?.query.get('ImageName'), 'sindri-dev');
    assert.equal(last.headers['x-acs-version'], '2014-05-26');
    assert.match(String(last.headers.authorization), /^ACS3-HMAC-SHA256 Credential=LTAI-FAKE-CLIENTS-0001,/);
    assert.deepEqual(await c.endpoint('ecs'), {
      host: api.endpoint,
      protocol: 'http',
      source: 'env:SINDRI_ENDPOINT',
    });
  });

  it('signs with HMAC-SHA1 (signature v1) on request, as packer does', async () => {
    script = () => undefined;
    const c = await clients({ signatureAlgorithm: 'v2' });
    await c.call('vpc', 'DescribeVpcs', { regionId: 'cn-hangzhou' });
    const last = api.seen.at(-1) as SeenRequest;
    assert.equal(last.query.get('Action'), 'DescribeVpcs');
    assert.equal(last.query.get('SignatureMethod'), 'HMAC-SHA1');
    assert.equal(last.query.get('Version'), '2016-04-28');
  });

  it('uses the SDK’s regional endpoint table without an override', async () => {
    const c = await createClients({ credentials: creds, region: 'ap-southeast-1', env: {} });
    assert.deepEqual(await c.endpoint('ecs'), {
      host: 'ecs.ap-southeast-1.aliyuncs.com',
      protocol: 'https',
      source: 'default',
    });
    assert.equal((await c.endpoint('ram')).host, 'ram.aliyuncs.com');
    const perProduct = await createClients({
      credentials: creds,
      region: 'cn-hangzhou',
      env: { SINDRI_ENDPOINT_VPC: 'http://127.0.0.1:1' },
      endpoints: { ecs: 'https://ecs-vpc.cn-hangzhou.aliyuncs.com', vpc: 'https://ignored.example.com' },
    });
    assert.deepEqual(await perProduct.endpoint('ecs'), {
      host: 'ecs-vpc.cn-hangzhou.aliyuncs.com',
      protocol: 'https',
      source: 'config',
    });
    assert.deepEqual(await perProduct.endpoint('vpc'), {
      host: '127.0.0.1:1',
      protocol: 'http',
      source: 'env:SINDRI_ENDPOINT_VPC',
    });
  });

  it('gives a create-like call one ClientToken and reuses it on every retry', async () => {
    script = (req, nth) => {
      if (req.action !== 'CreateImage') return undefined;
      if (nth === 1) return apiError(503, 'ServiceUnavailable');
      if (nth === 2) return apiError(400, 'Throttling.User');
      return { status: 200, json: { RequestId: 'REQ-ok', ImageId: 'm-fake0001' } };
    };
    const events: CallRetryEvent[] = [];
    const c = await clients({ onRetry: (e) => events.push(e), rng: () => 0.5 });
    const from = api.seen.length;
    const body = await c.call('ecs', 'CreateImage', {
      regionId: 'cn-hangzhou',
      instanceId: 'i-fake',
      imageName: 'img',
    });
    assert.equal(body.imageId, 'm-fake0001');
    const tokens = api.seen.slice(from).map((r) => r.query.get('ClientToken'));
    assert.equal(tokens.length, 3);
    assert.ok(tokens[0]?.startsWith('sindri-'));
    assert.equal(new Set(tokens).size, 1);
    assert.deepEqual(
      events.map((e) => [e.product, e.action, e.attempt, e.error.code]),
      [
        ['ecs', 'CreateImage', 1, 'ServiceUnavailable'],
        ['ecs', 'CreateImage', 2, 'Throttling.User'],
      ],
    );
  });

  it('uses a caller’s ClientToken for resumable workflows and a new one per logical call otherwise', async () => {
    script = () => undefined;
    const c = await clients();
    const from = api.seen.length;
    await c.call(
      'ecs',
      'CreateSecurityGroup',
      { regionId: 'cn-hangzhou' },
      { clientToken: 'resume-token-1' },
    );
    await c.call('ecs', 'CreateSecurityGroup', { regionId: 'cn-hangzhou' });
    await c.call('ecs', 'CreateSecurityGroup', { regionId: 'cn-hangzhou' });
    const tokens = api.seen.slice(from).map((r) => r.query.get('ClientToken'));
    assert.equal(tokens[0], 'resume-token-1');
    assert.notEqual(tokens[1], tokens[2]);
    assert.equal(await c.supportsClientToken('ecs', 'CreateImage'), true);
    assert.equal(await c.supportsClientToken('ecs', 'DescribeImages'), false);
  });

  it('retries an HTML 502 page on a read and fails at once on a client error', async () => {
    let images = 0;
    script = (req) => {
      if (req.action === 'DescribeImages' && ++images === 1)
        return { status: 502, html: '<html>Bad Gateway</html>' };
      if (req.action === 'DescribeZones')
        return apiError(400, 'InvalidRegionId', 'The specified RegionId does not exist.');
      return undefined;
    };
    const c = await clients();
    const from = api.seen.length;
    await c.call('ecs', 'DescribeImages', { regionId: 'cn-hangzhou' });
    assert.equal(api.seen.slice(from).length, 2);
    await assert.rejects(c.call('ecs', 'DescribeZones', { regionId: 'nowhere-1' }), (e: unknown) => {
      assert.ok(e instanceof CloudError);
      assert.equal(e.code, 'InvalidRegionId');
      assert.equal(e.requestId, 'REQ-InvalidRegionId');
      assert.equal(e.attempts, 1);
      assert.match(e.hint?.fix ?? '', /DescribeRegions/);
      return true;
    });
    assert.equal(api.seen.filter((r) => r.action === 'DescribeZones').length, 1);
  });

  it('does not resend a plain mutation whose connection was reset, but does resend a token create', async () => {
    script = (req, nth) =>
      (req.action === 'StartInstance' || req.action === 'CreateVpc') && nth === 1
        ? { destroy: true }
        : undefined;
    const c = await clients();
    await assert.rejects(c.call('ecs', 'StartInstance', { instanceId: 'i-fake' }), { code: 'ECONNRESET' });
    assert.equal(api.seen.filter((r) => r.action === 'StartInstance').length, 1);
    await c.call('ecs', 'CreateVpc', { regionId: 'cn-hangzhou' });
    assert.equal(api.seen.filter((r) => r.action === 'CreateVpc').length, 2);
  });

  it('calls actions that take no parameters (STS GetCallerIdentity)', async () => {
    script = (req) =>
      req.action === 'GetCallerIdentity'
        ? {
            status: 200,
            json: {
              RequestId: 'REQ-me',
              AccountId: '1000000000000001',
              Arn: 'acs:ram::1000000000000001:root',
            },
          }
        : undefined;
    const c = await clients();
    const me = await c.call('sts', 'GetCallerIdentity');
    assert.equal(me.accountId, '1000000000000001');
  });

  it('stops waiting for a call in flight when the signal aborts', async () => {
    script = (req) => (req.action === 'DescribeDisks' ? { hang: true } : undefined);
    const c = await clients({ readTimeoutMs: 60_000 });
    const ac = new AbortController();
    const p = c.call('ecs', 'DescribeDisks', { regionId: 'cn-hangzhou' }, { signal: ac.signal });
    // Abort once the request has reached the server.
    for (let i = 0; i < 100 && !api.seen.some((r) => r.action === 'DescribeDisks'); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    ac.abort();
    await assert.rejects(p, { name: 'AbortError' });
    assert.equal(api.seen.filter((r) => r.action === 'DescribeDisks').length, 1);
  });

  it('rejects an unknown action with a clear error', async () => {
    const c = await clients();
    await assert.rejects(c.call('ecs', 'DescribeNothing' as 'DescribeImages', {}), { code: 'UnknownAction' });
  });

  it('honours the attempts setting per call', async () => {
    script = (req) => (req.action === 'DescribeInstances' ? apiError(500, 'InternalError') : undefined);
    const c = await clients({ retry: { maxAttempts: 3 } });
    const from = api.seen.length;
    await assert.rejects(c.call('ecs', 'DescribeInstances', { regionId: 'cn-hangzhou' }), {
      code: 'InternalError',
      attempts: 3,
    });
    await assert.rejects(
      c.call('ecs', 'DescribeInstances', { regionId: 'cn-hangzhou' }, { retry: { maxAttempts: 1 } }),
      { attempts: 1 },
    );
    assert.equal(api.seen.slice(from).length, 4);
  });
});

describe('helpers', () => {
  it('classifies read actions by name and makes short ASCII tokens', () => {
    assert.equal(isReadAction('DescribeImages'), true);
    assert.equal(isReadAction('CreateImage'), false);
    const t = newClientToken();
    assert.ok(t.length <= 64 && /^[\x21-\x7e]+$/.test(t));
  });
});

describe('proxies', () => {
  it('sends plain-HTTP calls through HTTP_PROXY as absolute-URL requests', async () => {
    script = () => undefined;
    const c = await createClients({
      credentials: creds,
      region: 'cn-hangzhou',
      env: { SINDRI_ENDPOINT_ECS: 'http://ecs.proxied.example', HTTP_PROXY: api.url },
      clock: new FakeClock(),
    });
    await c.call('ecs', 'DescribeImages', { regionId: 'cn-hangzhou' });
    const last = api.seen.at(-1) as SeenRequest;
    assert.match(last.target, /^http:\/\/ecs\.proxied\.example\//);
    assert.equal(last.headers.host, 'ecs.proxied.example');
  });

  it('tunnels HTTPS calls through HTTPS_PROXY with CONNECT', async () => {
    const c = await createClients({
      credentials: creds,
      region: 'cn-hangzhou',
      env: { HTTPS_PROXY: api.url },
      clock: new FakeClock(),
      retry: { maxAttempts: 1 },
    });
    await assert.rejects(c.call('ecs', 'DescribeImages', { regionId: 'cn-hangzhou' }));
    assert.equal(api.connects.at(-1), 'ecs-cn-hangzhou.aliyuncs.com:443');
  });

  it('goes direct for hosts listed in NO_PROXY', async () => {
    const c = await createClients({
      credentials: creds,
      region: 'cn-hangzhou',
      env: { SINDRI_ENDPOINT: api.url, HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: 'localhost,127.0.0.1' },
      clock: new FakeClock(),
    });
    const from = api.seen.length;
    await c.call('ecs', 'DescribeImages', { regionId: 'cn-hangzhou' });
    assert.equal(api.seen.slice(from)[0]?.target.startsWith('/'), true);
  });
});

describe('STS exchanges through the SDK', () => {
  it('sends AssumeRoleWithOIDC anonymously with the token, and returns temporary credentials', async () => {
    const { stsAssumeRole } = await import('../../src/cloud/sts.ts');
    script = (req) =>
      req.action === 'AssumeRoleWithOIDC'
        ? {
            status: 200,
            json: {
              RequestId: 'REQ-oidc',
              Credentials: {
                AccessKeyId: 'STS.FAKE-OIDC',
                AccessKeySecret: 'fake-secret-oidc',
                SecurityToken: 'fake-token-oidc',
                Expiration: '2026-01-01T01:00:00Z',
              },
            },
          }
        : undefined;
    const t = await stsAssumeRole(
      {
        kind: 'oidc',
        roleArn: 'acs:ram::1000000000000001:role/gha',
        oidcProviderArn: 'acs:ram::1000000000000001:oidc-provider/github',
        oidcToken: 'fake.oidc.jwt',
        sessionName: 'gha-1',
        durationSeconds: 10800,
        stsEndpoint: api.url,
      },
      { env: {}, clock: new FakeClock() },
    );
    assert.deepEqual(t, {
      accessKeyId: 'STS.FAKE-OIDC',
      accessKeySecret: 'fake-secret-oidc',
      securityToken: 'fake-token-oidc',
      expiration: new Date('2026-01-01T01:00:00Z'),
    });
    const sent = api.seen.at(-1) as SeenRequest;
    assert.equal(sent.action, 'AssumeRoleWithOIDC');
    assert.equal(sent.query.get('OIDCToken'), 'fake.oidc.jwt');
    assert.equal(sent.query.get('RoleSessionName'), 'gha-1');
    assert.equal(sent.query.get('DurationSeconds'), '10800');
    assert.equal(sent.headers.authorization, undefined);
  });
});
