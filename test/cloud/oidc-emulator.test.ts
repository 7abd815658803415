/**
 * OIDC role assumption (GitHub Actions) end to end through the emulator: the token file and role
 * variables, STS AssumeRoleWithOIDC sent anonymously by the real SDK, the session length, the
 * errors users meet, and a real packer build with the resulting temporary credentials.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runDoctor } from '../../src/doctor/index.ts';
import { configText, type Emulator, startEmulator, writeConfig } from '../doctor/helpers.ts';
import { ROOT_ACCOUNT_ID } from '../emulator/index.ts';
import { isolatedEnv, jsonResult, runSindri } from '../helpers/cli.ts';

const ISSUER = 'https://token.actions.githubusercontent.com';
const ROLE_ARN = `acs:ram::${ROOT_ACCOUNT_ID}:role/gha-build`;
const PROVIDER_ARN = `acs:ram::${ROOT_ACCOUNT_ID}:oidc-provider/github`;

let emu: Emulator;
let dir: string;

before(async () => {
  emu = await startEmulator();
  emu.admin.seedAccount({
    accountId: ROOT_ACCOUNT_ID,
    oidcProviders: [{ name: 'github', issuerUrl: ISSUER, clientIds: ['sts.aliyuncs.com'] }],
    roles: [
      {
        roleName: 'gha-build',
        trustedOidcProviders: ['github'],
        maxSessionDuration: 10_800,
        policies: ['AdministratorAccess'],
      },
      { roleName: 'no-oidc', policies: ['AdministratorAccess'] },
    ],
  });
  dir = await mkdtemp(join(tmpdir(), 'sindri-oidc-'));
});
after(() => emu.stop());

/** An unsigned JWT as GitHub would issue it (the emulator checks claims, not the signature). */
function jwt(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.ZmFrZS1zaWduYXR1cmU`;
}

let seq = 0;
async function oidcEnv(claims: Record<string, unknown>, extra: NodeJS.ProcessEnv = {}) {
  const tokenFile = join(dir, `token-${++seq}`);
  await writeFile(tokenFile, jwt(claims));
  return isolatedEnv({
    HOME: dir,
    SINDRI_ENDPOINT: emu.url,
    ALIBABA_CLOUD_ROLE_ARN: ROLE_ARN,
    ALIBABA_CLOUD_OIDC_PROVIDER_ARN: PROVIDER_ARN,
    ALIBABA_CLOUD_OIDC_TOKEN_FILE: tokenFile,
    ALIBABA_CLOUD_ROLE_SESSION_NAME: `gha-run-${seq}`,
    ...extra,
  });
}

const valid = () => ({
  iss: ISSUER,
  aud: 'sts.aliyuncs.com',
  sub: 'repo:example/images:ref:refs/heads/main',
  exp: Math.floor(Date.now() / 1000) + 600,
});

async function credentialsCheck(env: NodeJS.ProcessEnv) {
  const report = await runDoctor({ env, home: dir, only: ['credentials'] });
  return report.checks[0] as { status: string; detail: string; fix?: string };
}

describe('OIDC role assumption through the emulator', () => {
  test('the token is exchanged anonymously for the role, for the session length asked', async () => {
    const env = await oidcEnv(valid(), { ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION: '7200' });
    const check = await credentialsCheck(env);
    assert.equal(check.status, 'pass', check.detail);
    assert.match(
      check.detail,
      /^oidc: account 1000000000000001, acs:ram::1000000000000001:assumed-role\/gha-build\/gha-run-1/,
    );
    const exchange = emu.admin.requestLog({ action: 'AssumeRoleWithOIDC' }).at(-1);
    assert.equal(exchange?.status, 200);
    assert.equal(exchange?.accessKeyId ?? '', '', 'sent without credentials');
    const session = [...emu.admin.world.accessKeys.values()].find(
      (k) => k.principal.type === 'role' && k.principal.sessionName === 'gha-run-1',
    );
    const lasts = ((session?.expiresAt ?? 0) - Date.now()) / 1000;
    assert.ok(lasts > 7100 && lasts <= 7200, `the session lasts ${lasts} s`);
  });

  test('a real build runs with the temporary credentials', async () => {
    const env = await oidcEnv(valid(), {
      HTTP_PROXY: emu.url,
      HTTPS_PROXY: emu.url,
      NO_PROXY: '127.0.0.1',
    });
    const { dir: work, file } = await writeConfig(configText({ name: 'oidc-build', sshPort: emu.sshPort }));
    const r = await runSindri(['packer', 'build', '--config', file, '--json'], { env, cwd: work });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(jsonResult(r.stdout).imageId, /^m-/);
    // packer signed with the STS key and token of the role session.
    const packerCalls = emu.admin.requestLog({ action: 'CreateInstance' });
    assert.match(packerCalls.at(-1)?.accessKeyId ?? '', /^STS\.FAKE/);
  });

  for (const [name, claims, extra, code] of [
    [
      'an expired token',
      { ...valid(), exp: Math.floor(Date.now() / 1000) - 60 },
      {},
      'AuthenticationFail.OIDCToken.Expired',
    ],
    [
      'a token for another audience',
      { ...valid(), aud: 'other-client' },
      {},
      'AuthenticationFail.OIDCToken.Invalid',
    ],
    [
      'a role that does not trust the provider',
      valid(),
      { ALIBABA_CLOUD_ROLE_ARN: `acs:ram::${ROOT_ACCOUNT_ID}:role/no-oidc` },
      'NoPermission',
    ],
    [
      'a session longer than the role allows',
      valid(),
      { ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION: '43200' },
      'InvalidParameter.DurationSeconds',
    ],
  ] as const) {
    test(`${name} fails with ${code} and its fix`, async () => {
      const check = await credentialsCheck(await oidcEnv(claims, extra));
      assert.equal(check.status, 'fail');
      assert.match(check.detail, new RegExp(code.replace(/\./g, '\\.')));
      assert.ok(check.fix && check.fix.length > 10, `a fix for ${code}`);
      assert.doesNotMatch(check.detail, /eyJ/, 'the token is never shown');
    });
  }
});
