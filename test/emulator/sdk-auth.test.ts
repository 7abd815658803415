import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type Emulator,
  ROOT_ACCESS_KEY_ID,
  ROOT_ACCESS_KEY_SECRET,
  ROOT_ACCOUNT_ID,
  startEmulator,
} from './index.ts';
import { rawPost, signedQuery } from './rpc.ts';
import { $Ecs, $Ram, $Sts, $Vpc, type SignatureAlgorithm, sdkClients, sdkError } from './sdk.ts';

const root = { accessKeyId: ROOT_ACCESS_KEY_ID, accessKeySecret: ROOT_ACCESS_KEY_SECRET };
let emu: Emulator;
before(async () => {
  emu = await startEmulator();
});
after(async () => {
  await emu.stop();
});

for (const algorithm of ['ACS3-HMAC-SHA256', 'v2'] as SignatureAlgorithm[]) {
  const scheme = algorithm === 'v2' ? 'HMAC-SHA1' : 'ACS3-HMAC-SHA256';
  describe(`signature ${scheme}`, () => {
    test('ECS, VPC, RAM and STS clients are served', async () => {
      const c = sdkClients(emu.endpoint, root, algorithm);
      const regions = await c.ecs.describeRegions(new $Ecs.DescribeRegionsRequest({}));
      assert.equal(regions.body?.regions?.region?.length, 23);
      const vpcs = await c.vpc.describeVpcs(new $Vpc.DescribeVpcsRequest({ regionId: 'cn-hangzhou' }));
      assert.equal(vpcs.body?.totalCount, 0);
      const who = await c.sts.getCallerIdentity();
      assert.equal(who.body?.accountId, ROOT_ACCOUNT_ID);
      assert.equal(who.body?.identityType, 'Account');
      const policy = await c.ram.getPolicy(
        new $Ram.GetPolicyRequest({ policyName: 'AdministratorAccess', policyType: 'System' }),
      );
      assert.match(policy.body?.defaultPolicyVersion?.policyDocument ?? '', /"Action":"\*"/);
      const last = emu.admin.requestLog().at(-1);
      assert.equal(last?.signatureMethod, scheme);
    });

    test('a wrong secret is refused with SignatureDoesNotMatch', async () => {
      const c = sdkClients(
        emu.endpoint,
        { accessKeyId: ROOT_ACCESS_KEY_ID, accessKeySecret: 'not-the-secret' },
        algorithm,
      );
      const err = await sdkError(c.ecs.describeRegions(new $Ecs.DescribeRegionsRequest({})));
      assert.equal(err.code, 'SignatureDoesNotMatch');
      assert.equal(err.statusCode, 400);
      assert.equal(typeof err.data.RequestId, 'string');
      assert.equal(typeof err.data.HostId, 'string');
      assert.equal(typeof err.data.Recommend, 'string');
    });

    test('an unknown access key is refused with InvalidAccessKeyId.NotFound', async () => {
      const c = sdkClients(
        emu.endpoint,
        { accessKeyId: 'LTAI-FAKE-UNKNOWN', accessKeySecret: 'x' },
        algorithm,
      );
      const err = await sdkError(c.sts.getCallerIdentity());
      assert.equal(err.code, 'InvalidAccessKeyId.NotFound');
      assert.equal(err.statusCode, 404);
    });
  });
}

test('a stale timestamp is refused with InvalidTimeStamp.Expired, and a replayed nonce with SignatureNonceUsed', async () => {
  const stale = `${new Date(Date.now() - 20 * 60_000).toISOString().slice(0, 19)}Z`;
  const params = { Action: 'DescribeRegions', Version: '2014-05-26', RegionId: 'cn-hangzhou' };
  const res = await rawPost(
    emu.url,
    signedQuery({
      accessKeyId: ROOT_ACCESS_KEY_ID,
      secret: ROOT_ACCESS_KEY_SECRET,
      params,
      timestamp: stale,
    }),
  );
  assert.equal(res.status, 400);
  assert.equal(res.body.Code, 'InvalidTimeStamp.Expired');
  const query = signedQuery({ accessKeyId: ROOT_ACCESS_KEY_ID, secret: ROOT_ACCESS_KEY_SECRET, params });
  assert.equal((await rawPost(emu.url, query)).status, 200);
  const replay = await rawPost(emu.url, query);
  assert.equal(replay.body.Code, 'SignatureNonceUsed');
});

test('unknown actions and versions get the real error codes', async () => {
  const key = { accessKeyId: ROOT_ACCESS_KEY_ID, secret: ROOT_ACCESS_KEY_SECRET };
  const a = await rawPost(
    emu.url,
    signedQuery({ ...key, params: { Action: 'LaunchRocket', Version: '2014-05-26' } }),
  );
  assert.deepEqual([a.status, a.body.Code], [404, 'InvalidAction.NotFound']);
  const v = await rawPost(
    emu.url,
    signedQuery({ ...key, params: { Action: 'DescribeRegions', Version: '2099-01-01' } }),
  );
  assert.equal(v.body.Code, 'InvalidVersion');
});

describe('RAM authorization', () => {
  test("a RAM user's policies are evaluated per action, with wildcards and explicit Deny", async () => {
    const user = emu.admin.createRamUser({
      userName: 'builder',
      policies: [
        {
          policyName: 'SindriReadOnly',
          document: {
            Version: '1',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['ecs:Describe*', 'vpc:DescribeVpcs', 'ram:Get*', 'ram:List*'],
                Resource: '*',
              },
              { Effect: 'Deny', Action: 'ecs:DescribeInstances', Resource: '*' },
            ],
          },
        },
      ],
    });
    const c = sdkClients(emu.endpoint, user);
    await c.ecs.describeImages(new $Ecs.DescribeImagesRequest({ regionId: 'cn-hangzhou' }));
    await c.vpc.describeVpcs(new $Vpc.DescribeVpcsRequest({ regionId: 'cn-hangzhou' }));
    const denied = await sdkError(
      c.ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou' })),
    );
    assert.equal(denied.code, 'Forbidden.RAM');
    assert.equal(denied.statusCode, 403);
    // As the real API: the message does not name the action, AccessDeniedDetail does.
    assert.doesNotMatch(denied.message, /DescribeInstances/);
    assert.equal(
      (denied.data.AccessDeniedDetail as { AuthAction?: string }).AuthAction,
      'ecs:DescribeInstances',
    );
    const implicit = await sdkError(
      c.ecs.createImage(new $Ecs.CreateImageRequest({ regionId: 'cn-hangzhou', snapshotId: 's-x' })),
    );
    assert.equal(implicit.code, 'Forbidden.RAM');
    assert.equal((implicit.data.AccessDeniedDetail as { AuthAction?: string }).AuthAction, 'ecs:CreateImage');
    assert.equal(emu.admin.liveResources().images.length, 0);

    const who = await c.sts.getCallerIdentity();
    assert.equal(who.body?.identityType, 'RAMUser');
    assert.equal(who.body?.arn, `acs:ram::${ROOT_ACCOUNT_ID}:user/builder`);
    const got = await c.ram.getUser(new $Ram.GetUserRequest({ userName: 'builder' }));
    assert.equal(got.body?.user?.userId, user.userId);
    const listed = await c.ram.listPoliciesForUser(
      new $Ram.ListPoliciesForUserRequest({ userName: 'builder' }),
    );
    assert.deepEqual(
      listed.body?.policies?.policy?.map((p) => [p.policyName, p.policyType]),
      [['SindriReadOnly', 'Custom']],
    );
    const version = await c.ram.getPolicyVersion(
      new $Ram.GetPolicyVersionRequest({
        policyName: 'SindriReadOnly',
        policyType: 'Custom',
        versionId: 'v1',
      }),
    );
    assert.match(version.body?.policyVersion?.policyDocument ?? '', /ecs:Describe\*/);
    const missing = await sdkError(c.ram.getUser(new $Ram.GetUserRequest({ userName: 'nobody' })));
    assert.equal(missing.code, 'EntityNotExist.User');
  });

  test('AssumeRole returns STS credentials whose token is checked and whose role policies apply', async () => {
    const seeded = emu.admin.seedAccount({
      accountId: ROOT_ACCOUNT_ID,
      roles: [{ roleName: 'PackerBuildRole', policies: ['AliyunECSReadOnlyAccess'] }],
      users: [{ userName: 'ci', policies: ['AliyunSTSAssumeRoleAccess'] }],
    });
    const ci = seeded.users.ci;
    assert.ok(ci);
    const arn = seeded.roles.PackerBuildRole?.arn ?? '';
    const c = sdkClients(emu.endpoint, ci, 'v2');
    const assumed = await c.sts.assumeRole(
      new $Sts.AssumeRoleRequest({ roleArn: arn, roleSessionName: 'sindri-build' }),
    );
    const creds = assumed.body?.credentials;
    assert.ok(creds?.accessKeyId?.startsWith('STS.'));
    const ram = await c.ram
      .listPoliciesForRole(new $Ram.ListPoliciesForRoleRequest({ roleName: 'PackerBuildRole' }))
      .catch((e: unknown) => e);
    assert.equal((ram as { code?: string }).code, 'Forbidden.RAM');

    for (const algorithm of ['ACS3-HMAC-SHA256', 'v2'] as SignatureAlgorithm[]) {
      const s = sdkClients(
        emu.endpoint,
        {
          accessKeyId: creds?.accessKeyId ?? '',
          accessKeySecret: creds?.accessKeySecret ?? '',
          securityToken: creds?.securityToken ?? '',
        },
        algorithm,
      );
      const who = await s.sts.getCallerIdentity();
      assert.equal(who.body?.identityType, 'AssumedRoleUser');
      assert.equal(who.body?.arn, `acs:ram::${ROOT_ACCOUNT_ID}:assumed-role/packerbuildrole/sindri-build`);
      await s.ecs.describeImages(new $Ecs.DescribeImagesRequest({ regionId: 'cn-hangzhou' }));
      const err = await sdkError(
        s.ecs.createKeyPair(new $Ecs.CreateKeyPairRequest({ regionId: 'cn-hangzhou', keyPairName: 'kp' })),
      );
      assert.equal(err.code, 'Forbidden.RAM');
    }
    const wrongToken = sdkClients(emu.endpoint, {
      accessKeyId: creds?.accessKeyId ?? '',
      accessKeySecret: creds?.accessKeySecret ?? '',
      securityToken: 'forged',
    });
    assert.equal(
      (await sdkError(wrongToken.sts.getCallerIdentity())).code,
      'InvalidSecurityToken.MismatchWithAccessKey',
    );

    const other = emu.admin.seedAccount({});
    const stranger = sdkClients(emu.endpoint, {
      accessKeyId: other.rootAccessKeyId ?? '',
      accessKeySecret: other.rootAccessKeySecret ?? '',
    });
    const refused = await sdkError(
      stranger.sts.assumeRole(new $Sts.AssumeRoleRequest({ roleArn: arn, roleSessionName: 'x1' })),
    );
    assert.equal(refused.code, 'NoPermission');
  });
});
