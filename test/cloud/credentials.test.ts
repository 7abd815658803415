import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type AssumeRoleRequest,
  CREDENTIAL_SOURCES,
  type FetchLike,
  packerEnv,
  parseIni,
  type ResolvedCredentials,
  resolveCredentials,
} from '../../src/cloud/credentials.ts';
import { CloudError } from '../../src/cloud/errors.ts';

/** Never the real metadata address: a reserved documentation address, and a fetch that records. */
const METADATA = 'http://192.0.2.10';

let root: string;
let n = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'sindri-creds-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function home(files: { cli?: unknown; ini?: string; oidcToken?: string } = {}): Promise<string> {
  const dir = join(root, `home-${n++}`);
  await mkdir(dir, { recursive: true });
  if (files.cli !== undefined) {
    await mkdir(join(dir, '.aliyun'));
    await writeFile(
      join(dir, '.aliyun', 'config.json'),
      typeof files.cli === 'string' ? files.cli : JSON.stringify(files.cli),
    );
  }
  if (files.ini !== undefined) {
    await mkdir(join(dir, '.alibabacloud'));
    await writeFile(join(dir, '.alibabacloud', 'credentials'), files.ini);
  }
  if (files.oidcToken !== undefined) await writeFile(join(dir, 'oidc-token'), files.oidcToken);
  return dir;
}

const BASE_ENV = { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' };

const ENV_ALIBABA = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-FAKE-ALIBABA-ENV',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'fake-secret-alibaba-env',
};
const ENV_ALICLOUD = {
  ALICLOUD_ACCESS_KEY: 'LTAI-FAKE-ALICLOUD-ENV',
  ALICLOUD_SECRET_KEY: 'fake-secret-alicloud-env',
};
const ENV_ALIYUN = {
  ALIYUN_ACCESS_KEY_ID: 'LTAI-FAKE-ALIYUN-ENV',
  ALIYUN_ACCESS_KEY_SECRET: 'fake-secret-aliyun-env',
};

const CLI = {
  current: 'work',
  profiles: [
    {
      name: 'default',
      mode: 'AK',
      access_key_id: 'LTAI-FAKE-CLI-DEFAULT',
      access_key_secret: 'fake-secret-cli-default',
    },
    {
      name: 'work',
      mode: 'AK',
      access_key_id: 'LTAI-FAKE-CLI-WORK',
      access_key_secret: 'fake-secret-cli-work',
    },
    {
      name: 'temp',
      mode: 'StsToken',
      access_key_id: 'STS.FAKE-CLI-TEMP',
      access_key_secret: 'fake-secret-cli-temp',
      sts_token: 'fake-token-cli-temp',
    },
    {
      name: 'role',
      mode: 'RamRoleArn',
      access_key_id: 'LTAI-FAKE-CLI-ROLE',
      access_key_secret: 'fake-secret-cli-role',
      ram_role_arn: 'acs:ram::1000000000000001:role/builder',
      ram_session_name: 'sess',
    },
    { name: 'ecs', mode: 'EcsRamRole', ram_role_name: 'PackerBuildRole' },
    { name: 'sso', mode: 'CloudSSO' },
  ],
};

const INI = `
# shared credentials file
[default]
type = access_key
access_key_id = LTAI-FAKE-INI-DEFAULT
access_key_secret = fake-secret-ini-default

[ci]
type = ram_role_arn
access_key_id = LTAI-FAKE-INI-CI
access_key_secret = "fake-secret-ini-ci"
role_arn = acs:ram::1000000000000001:role/ci
role_session_name = ci-session
`;

/** A fake STS exchange: returns temporary credentials derived from the request. */
function fakeSts(calls: AssumeRoleRequest[]) {
  return async (req: AssumeRoleRequest) => {
    calls.push(req);
    return {
      accessKeyId: `STS.FAKE-${req.kind}`,
      accessKeySecret: 'fake-secret-sts',
      securityToken: 'fake-token-sts',
      expiration: new Date('2026-01-01T01:00:00Z'),
    };
  };
}

/** A fake metadata service; records every URL asked for. */
function fakeMetadata(seen: string[], role = 'PackerBuildRole'): FetchLike {
  return async (url, init) => {
    seen.push(`${init?.method ?? 'GET'} ${url}`);
    const path = url.slice(METADATA.length);
    const reply = (status: number, body: string) => ({ ok: status < 300, status, text: async () => body });
    if (path === '/latest/api/token') return reply(200, 'fake-metadata-session');
    if (init?.headers?.['X-aliyun-ecs-metadata-token'] !== 'fake-metadata-session') return reply(401, '');
    if (path === '/latest/meta-data/ram/security-credentials/') return reply(200, `${role}\n`);
    if (path === `/latest/meta-data/ram/security-credentials/${role}`) {
      return reply(
        200,
        JSON.stringify({
          Code: 'Success',
          AccessKeyId: 'STS.FAKE-ECS-ROLE',
          AccessKeySecret: 'fake-secret-ecs-role',
          SecurityToken: 'fake-token-ecs-role',
          Expiration: '2026-01-01T06:00:00Z',
        }),
      );
    }
    return reply(404, '');
  };
}

async function resolve(
  env: NodeJS.ProcessEnv,
  h: string,
  extra: Partial<Parameters<typeof resolveCredentials>[0]> = {},
): Promise<ResolvedCredentials> {
  return resolveCredentials({
    env: { ...BASE_ENV, ...env },
    home: h,
    metadataUrl: METADATA,
    assumeRole: async () => assert.fail('unexpected role assumption'),
    fetchImpl: async () => assert.fail('unexpected metadata request'),
    ...extra,
  });
}

describe('resolveCredentials precedence', () => {
  it('takes the explicit profile (config) over every environment variable', async () => {
    const h = await home({ cli: CLI, ini: INI });
    const c = await resolve({ ...ENV_ALIBABA, ...ENV_ALICLOUD, ...ENV_ALIYUN }, h, { profile: 'default' });
    assert.equal(c.accessKeyId, 'LTAI-FAKE-CLI-DEFAULT');
    assert.equal(c.source, 'profile:default@aliyun-cli (AK)');
  });

  it('takes the profile from ALIBABA_CLOUD_PROFILE or ALICLOUD_PROFILE, config first', async () => {
    const h = await home({ cli: CLI, ini: INI });
    assert.equal(
      (await resolve({ ...ENV_ALIBABA, ALIBABA_CLOUD_PROFILE: 'default' }, h)).accessKeyId,
      'LTAI-FAKE-CLI-DEFAULT',
    );
    assert.equal((await resolve({ ALICLOUD_PROFILE: 'temp' }, h)).securityToken, 'fake-token-cli-temp');
    assert.equal(
      (await resolve({ ALICLOUD_PROFILE: 'temp' }, h, { profile: 'work' })).accessKeyId,
      'LTAI-FAKE-CLI-WORK',
    );
  });

  it('finds an explicit profile in ~/.alibabacloud/credentials when the CLI has none by that name', async () => {
    const h = await home({ cli: CLI, ini: INI });
    const calls: AssumeRoleRequest[] = [];
    const c = await resolve({}, h, { profile: 'ci', assumeRole: fakeSts(calls) });
    assert.equal(c.source, 'profile:ci@credentials-file (ram_role_arn)');
    assert.equal(c.accessKeyId, 'STS.FAKE-ram-role-arn');
    assert.equal(calls.length, 1);
    const req = calls[0] as Extract<AssumeRoleRequest, { kind: 'ram-role-arn' }>;
    assert.equal(req.roleArn, 'acs:ram::1000000000000001:role/ci');
    assert.equal(req.base.accessKeySecret, 'fake-secret-ini-ci');
    assert.equal(req.sessionName, 'ci-session');
  });

  it('fails, naming the files, when the explicit profile does not exist', async () => {
    const h = await home({ cli: CLI });
    await assert.rejects(resolve(ENV_ALIBABA, h, { profile: 'nope' }), (e: unknown) => {
      assert.ok(e instanceof CloudError);
      assert.equal(e.code, 'ProfileNotFound');
      assert.match(e.message, /"nope"/);
      assert.match(e.message, /config\.json/);
      return true;
    });
  });

  it('orders the environment: ALIBABA_CLOUD_* then ALICLOUD_* then ALIYUN_*', async () => {
    const h = await home({ cli: CLI, ini: INI });
    const all = await resolve({ ...ENV_ALIBABA, ...ENV_ALICLOUD, ...ENV_ALIYUN }, h);
    assert.deepEqual(
      [all.accessKeyId, all.source],
      ['LTAI-FAKE-ALIBABA-ENV', 'env:ALIBABA_CLOUD_ACCESS_KEY_ID'],
    );
    const two = await resolve({ ...ENV_ALICLOUD, ...ENV_ALIYUN }, h);
    assert.deepEqual([two.accessKeyId, two.source], ['LTAI-FAKE-ALICLOUD-ENV', 'env:ALICLOUD_ACCESS_KEY']);
    const one = await resolve(ENV_ALIYUN, h);
    assert.deepEqual([one.accessKeyId, one.source], ['LTAI-FAKE-ALIYUN-ENV', 'env:ALIYUN_ACCESS_KEY_ID']);
  });

  it('picks up security tokens from ALIBABA_CLOUD_SECURITY_TOKEN and packer’s SECURITY_TOKEN', async () => {
    const h = await home();
    const a = await resolve({ ...ENV_ALIBABA, ALIBABA_CLOUD_SECURITY_TOKEN: 'fake-token-a' }, h);
    assert.equal(a.securityToken, 'fake-token-a');
    const b = await resolve({ ...ENV_ALICLOUD, SECURITY_TOKEN: 'fake-token-b' }, h);
    assert.equal(b.securityToken, 'fake-token-b');
  });

  it('refuses half a key pair instead of silently falling through', async () => {
    const h = await home({ cli: CLI });
    await assert.rejects(resolve({ ALICLOUD_ACCESS_KEY: 'LTAI-FAKE-ONLY-ID' }, h), (e: unknown) => {
      assert.ok(e instanceof CloudError);
      assert.equal(e.code, 'CredentialsIncomplete');
      assert.match(e.message, /ALICLOUD_SECRET_KEY/);
      assert.doesNotMatch(e.message, /LTAI-FAKE-ONLY-ID/);
      return true;
    });
  });

  it('uses the aliyun CLI current profile, then "default", before the shared credentials file', async () => {
    const withCurrent = await resolve({}, await home({ cli: CLI, ini: INI }));
    assert.deepEqual(
      [withCurrent.accessKeyId, withCurrent.source],
      ['LTAI-FAKE-CLI-WORK', 'aliyun-cli:work (AK)'],
    );
    const noCurrent = await resolve({}, await home({ cli: { ...CLI, current: '' }, ini: INI }));
    assert.equal(noCurrent.source, 'aliyun-cli:default (AK)');
  });

  it('supports the aliyun CLI modes StsToken, RamRoleArn and EcsRamRole', async () => {
    const h = await home({ cli: CLI });
    const sts = await resolve({}, h, { profile: 'temp' });
    assert.deepEqual(
      [sts.accessKeyId, sts.securityToken, sts.source],
      ['STS.FAKE-CLI-TEMP', 'fake-token-cli-temp', 'profile:temp@aliyun-cli (StsToken)'],
    );

    const calls: AssumeRoleRequest[] = [];
    const role = await resolve({}, h, { profile: 'role', assumeRole: fakeSts(calls) });
    assert.equal(role.source, 'profile:role@aliyun-cli (RamRoleArn)');
    assert.equal(role.securityToken, 'fake-token-sts');
    assert.equal(
      (calls[0] as Extract<AssumeRoleRequest, { kind: 'ram-role-arn' }>).base.accessKeyId,
      'LTAI-FAKE-CLI-ROLE',
    );

    const seen: string[] = [];
    const ecs = await resolve({ ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'false' }, h, {
      profile: 'ecs',
      fetchImpl: fakeMetadata(seen),
    });
    assert.equal(ecs.source, 'profile:ecs@aliyun-cli (EcsRamRole)');
    assert.equal(ecs.accessKeyId, 'STS.FAKE-ECS-ROLE');
    assert.ok(seen.every((u) => u.includes(METADATA)));
    assert.ok(seen.includes(`GET ${METADATA}/latest/meta-data/ram/security-credentials/PackerBuildRole`));

    await assert.rejects(resolve({}, h, { profile: 'sso' }), { code: 'ProfileModeUnsupported' });
  });

  it('skips the CLI file when ALIBABA_CLOUD_CLI_PROFILE_DISABLED is set', async () => {
    const c = await resolve(
      { ALIBABA_CLOUD_CLI_PROFILE_DISABLED: 'true' },
      await home({ cli: CLI, ini: INI }),
    );
    assert.equal(c.source, 'credentials-file:default (access_key)');
  });

  it('reads ALIBABA_CLOUD_CREDENTIALS_FILE instead of ~/.alibabacloud/credentials', async () => {
    const h = await home();
    const file = join(h, 'elsewhere.ini');
    await writeFile(file, INI);
    const c = await resolve({ ALIBABA_CLOUD_CREDENTIALS_FILE: file }, h);
    assert.equal(c.accessKeyId, 'LTAI-FAKE-INI-DEFAULT');
  });

  it('reports a broken CLI file without echoing its content', async () => {
    const h = await home({ cli: '{"profiles": [ {"access_key_secret": "fake-secret-in-broken-file"' });
    await assert.rejects(resolve({}, h), (e: unknown) => {
      assert.ok(e instanceof CloudError);
      assert.equal(e.code, 'CredentialsFileInvalid');
      assert.doesNotMatch(e.message, /fake-secret-in-broken-file/);
      return true;
    });
  });

  it('assumes a role with OIDC when the three GitHub Actions variables are set and nothing else is', async () => {
    const h = await home({ oidcToken: 'fake.oidc.jwt\n' });
    const calls: AssumeRoleRequest[] = [];
    const oidcEnv = {
      ALIBABA_CLOUD_ROLE_ARN: 'acs:ram::1000000000000001:role/gha',
      ALIBABA_CLOUD_OIDC_PROVIDER_ARN: 'acs:ram::1000000000000001:oidc-provider/github',
      ALIBABA_CLOUD_OIDC_TOKEN_FILE: join(h, 'oidc-token'),
      ALIBABA_CLOUD_ROLE_SESSION_NAME: 'gha-run-1',
    };
    const c = await resolve(oidcEnv, h, { assumeRole: fakeSts(calls), stsEndpoint: 'http://127.0.0.1:9' });
    assert.equal(c.source, 'oidc');
    assert.equal(c.securityToken, 'fake-token-sts');
    const req = calls[0] as Extract<AssumeRoleRequest, { kind: 'oidc' }>;
    assert.equal(req.oidcToken, 'fake.oidc.jwt');
    assert.equal(req.sessionName, 'gha-run-1');
    assert.equal(req.stsEndpoint, 'http://127.0.0.1:9');
    assert.equal(req.durationSeconds, undefined, "unset: STS's default of one hour");

    // A longer session for builds that outlive an hour; a value STS cannot take is refused first.
    await resolve({ ...oidcEnv, ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION: '10800' }, h, {
      assumeRole: fakeSts(calls),
    });
    assert.equal(calls.at(-1)?.durationSeconds, 10800);
    for (const bad of ['600', '50000', '1h', '3600.5']) {
      await assert.rejects(
        resolve({ ...oidcEnv, ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION: bad }, h, {
          assumeRole: fakeSts(calls),
        }),
        (e: unknown) =>
          e instanceof CloudError && e.code === 'InvalidSessionDuration' && e.message.includes(bad),
      );
    }
    assert.equal(calls.length, 2, 'no exchange with an invalid duration');

    // Static keys in the environment still win over OIDC.
    assert.equal((await resolve({ ...oidcEnv, ...ENV_ALICLOUD }, h)).source, 'env:ALICLOUD_ACCESS_KEY');
    // Partial OIDC configuration is an error that names what is missing.
    await assert.rejects(
      resolve({ ALIBABA_CLOUD_ROLE_ARN: 'acs:ram::1:role/x' }, h),
      /ALIBABA_CLOUD_OIDC_PROVIDER_ARN/,
    );
  });

  it('uses the ECS instance RAM role last, through the injectable metadata URL', async () => {
    const seen: string[] = [];
    const c = await resolve({ ALIBABA_CLOUD_ECS_METADATA_DISABLED: '' }, await home(), {
      fetchImpl: fakeMetadata(seen),
    });
    assert.equal(c.source, 'ecs-ram-role:PackerBuildRole');
    assert.equal(c.expiration?.toISOString(), '2026-01-01T06:00:00.000Z');
    assert.equal(seen[0], `PUT ${METADATA}/latest/api/token`);
  });

  it('does not touch the metadata service when it is disabled, and lists what it tried', async () => {
    await assert.rejects(resolve({}, await home()), (e: unknown) => {
      assert.ok(e instanceof CloudError);
      assert.equal(e.code, 'CredentialsNotFound');
      assert.match(e.message, /ALICLOUD_ACCESS_KEY/);
      assert.match(e.message, /ECS instance RAM role/);
      return true;
    });
  });

  it('a metadata service answering 404 (not on ECS, or no role) is "not found" with the sources tried', async () => {
    const notFound: FetchLike = async () => ({ ok: false, status: 404, text: async () => 'Not Found' });
    await assert.rejects(
      resolve({ ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'false' }, await home(), { fetchImpl: notFound }),
      (e: unknown) => {
        assert.ok(e instanceof CloudError);
        assert.equal(e.code, 'CredentialsNotFound');
        assert.match(e.message, /Tried, in order:/);
        for (const [i, source] of CREDENTIAL_SOURCES.entries())
          assert.ok(e.message.includes(`${i + 1}. ${source}`), source);
        assert.match(e.message, /ECS instance RAM role \(metadata service\) \(.*HTTP 404/);
        return true;
      },
    );
    // A role named explicitly that the service does not know stays the service's error.
    await assert.rejects(
      resolve(
        { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'false', ALIBABA_CLOUD_ECS_METADATA: 'NoSuchRole' },
        await home(),
        { fetchImpl: notFound },
      ),
      { code: 'MetadataError' },
    );
  });

  it('reports "not found" when the metadata service is unreachable', async () => {
    const unreachable: FetchLike = async () => {
      throw Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' });
    };
    await assert.rejects(
      resolve({ ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'false' }, await home(), { fetchImpl: unreachable }),
      {
        code: 'CredentialsNotFound',
      },
    );
  });
});

describe('packerEnv', () => {
  const creds: ResolvedCredentials = {
    accessKeyId: 'STS.FAKE-PACKER',
    accessKeySecret: 'fake-secret-packer',
    securityToken: 'fake-token-packer',
    source: 'oidc',
  };

  it('passes the credentials through packer’s variables', () => {
    assert.deepEqual(packerEnv(creds, 'cn-shanghai'), {
      ALICLOUD_ACCESS_KEY: 'STS.FAKE-PACKER',
      ALICLOUD_SECRET_KEY: 'fake-secret-packer',
      ALICLOUD_REGION: 'cn-shanghai',
      SECURITY_TOKEN: 'fake-token-packer',
    });
    assert.equal('SECURITY_TOKEN' in packerEnv({ ...creds, securityToken: undefined }, 'cn-hangzhou'), false);
  });

  it('drops variables that would make packer pick other credentials and keeps the rest', () => {
    const env = packerEnv({ ...creds, securityToken: undefined }, 'cn-hangzhou', {
      PATH: '/usr/bin',
      ALICLOUD_PROFILE: 'other',
      ALICLOUD_SHARED_CREDENTIALS_FILE: '/tmp/x',
      SECURITY_TOKEN: 'stale-token',
      ALICLOUD_ACCESS_KEY: 'LTAI-FAKE-STALE',
    });
    assert.equal(env.PATH, '/usr/bin');
    assert.equal(env.ALICLOUD_ACCESS_KEY, 'STS.FAKE-PACKER');
    for (const k of ['ALICLOUD_PROFILE', 'ALICLOUD_SHARED_CREDENTIALS_FILE', 'SECURITY_TOKEN'])
      assert.equal(k in env, false, k);
  });
});

describe('parseIni', () => {
  it('reads sections, quoted values and comments', () => {
    const ini = parseIni(INI);
    assert.equal(ini.default?.access_key_id, 'LTAI-FAKE-INI-DEFAULT');
    assert.equal(ini.ci?.access_key_secret, 'fake-secret-ini-ci');
    assert.deepEqual(Object.keys(ini), ['default', 'ci']);
  });
});
