/** Every doctor check against the emulator, passing and failing. */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SindriConfig } from '../../src/config/types.ts';
import { type CheckResult, runDoctor } from '../../src/doctor/index.ts';
import { policyDocument, requiredActions } from '../../src/packer/required-actions.ts';
import { EXPORT_ROLE, ROOT_ACCOUNT_ID } from '../emulator/index.ts';
import { seedImage } from '../lifecycle/helpers.ts';
import {
  type CheckOptions,
  cloudEnv,
  config,
  doctorWorld,
  type Emulator,
  expectCheck as expect,
  type Network,
  ROOT,
  rootClients,
  runCheck,
} from './helpers.ts';

let emu: Emulator;
let net: Network;
let home: string;

before(async () => {
  ({ emu, net, home } = await doctorWorld('sindri-doctor-home-'));
});
after(() => emu.stop());

/** A custom image of the given name in cn-hangzhou, made from an instance as a user would. */
async function makeImage(imageName: string, tag: Array<{ key: string; value: string }> = []): Promise<void> {
  const root = await rootClients(emu);
  const vm = await root.call('ecs', 'CreateInstance', {
    regionId: 'cn-hangzhou',
    imageId: 'ubuntu_22_04_x64_20G_alibase_20240130.vhd',
    instanceType: 'ecs.g6.xlarge',
    securityGroupId: net.openSg,
    vSwitchId: net.vswitchId,
  });
  await root.call('ecs', 'CreateImage', {
    regionId: 'cn-hangzhou',
    instanceId: vm.instanceId,
    imageName,
    tag,
  } as never);
}

const check = (id: string, opts: CheckOptions = {}): Promise<CheckResult> => runCheck(emu, home, id, opts);

/** A stand-in packer executable that prints a version and, for `plugins installed`, a listing. */
async function fakePacker(version: string, plugins: string | null): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sindri-fake-packer-'));
  const path = join(dir, 'packer');
  const listing = plugins === null ? 'echo "unknown command" >&2; exit 1' : `printf '%s\\n' '${plugins}'`;
  await writeFile(
    path,
    `#!/bin/sh\nif [ "$1" = version ]; then echo "Packer v${version}"; exit 0; fi\nif [ "$1" = plugins ]; then ${listing}; exit 0; fi\nexit 1\n`,
  );
  await chmod(path, 0o755);
  return path;
}

describe('packer checks', () => {
  test('the installed packer passes all three', async () => {
    expect(await check('packer'), 'pass', /\(\d+\.\d+\.\d+\)$/);
    expect(await check('packer-version'), 'pass', /built in|plugin/);
    expect(await check('packer-builder'), 'pass', /alicloud/);
  });

  test('no packer on PATH fails, and the version and builder checks are skipped', async () => {
    const env = { PATH: '/nonexistent' };
    expect(await check('packer', { env }), 'fail', /not found/);
    expect(await check('packer-version', { env }), 'skip', /not installed/);
    expect(await check('packer-builder', { env }), 'skip', /not installed/);
  });

  test('a packer too old for HCL2 fails the version check', async () => {
    const env = { SINDRI_PACKER: await fakePacker('1.4.5', null) };
    expect(await check('packer-version', { env }), 'fail', /cannot read HCL2/);
  });

  test('packer >= 1.7 needs the alicloud plugin', async () => {
    const withPlugin = {
      SINDRI_PACKER: await fakePacker(
        '1.9.4',
        '/home/u/.packer.d/plugins/github.com/hashicorp/alicloud/packer-plugin-alicloud_v1.1.1_x5.0_linux_amd64',
      ),
    };
    expect(await check('packer-builder', { env: withPlugin }), 'pass', /plugin installed/);
    const without = { SINDRI_PACKER: await fakePacker('1.9.4', '') };
    const r = await check('packer-builder', { env: without });
    expect(r, 'fail', /not installed/);
    assert.match(r.fix ?? '', /packer init/);
  });
});

describe('credentials', () => {
  test('valid keys pass, showing the source, account and ARN', async () => {
    expect(
      await check('credentials'),
      'pass',
      /env:ALIBABA_CLOUD_ACCESS_KEY_ID: account \d{16}, acs:ram::\d{16}:root/,
    );
  });

  test('no credentials fail with the sources tried', async () => {
    expect(await check('credentials', { keys: null }), 'fail', /CredentialsNotFound/);
  });

  test('a wrong secret fails with the API code', async () => {
    const r = await check('credentials', {
      keys: { accessKeyId: ROOT.accessKeyId, accessKeySecret: 'fake-secret-wrong' },
    });
    expect(r, 'fail', /SignatureDoesNotMatch|InvalidAccessKey/);
  });

  test('an unknown key fails', async () => {
    const r = await check('credentials', {
      keys: { accessKeyId: 'LTAI-FAKE-UNKNOWN00000', accessKeySecret: 'fake-secret-x' },
    });
    expect(r, 'fail', /InvalidAccessKeyId/);
  });

  for (const field of ['AccountId', 'Arn', 'IdentityType']) {
    test(`an answer without ${field} fails (InvalidResponse), never "account , (unknown type)"`, async () => {
      const id = emu.admin.injectFault({ action: 'sts:GetCallerIdentity', omitFields: [field] });
      try {
        const r = await check('credentials');
        expect(r, 'fail', new RegExp(`InvalidResponse: STS GetCallerIdentity answered without ${field}`));
        assert.doesNotMatch(r.detail, /account ,|unknown type/);
      } finally {
        emu.admin.clearFaults(id);
      }
    });
  }
});

describe('region', () => {
  test('the configured region and copy regions exist', async () => {
    expect(
      await check('region', { config: config({ alibaba: { image_copy_regions: ['cn-shanghai'] } }) }),
      'pass',
      /cn-hangzhou \(config\); copy regions cn-shanghai exist/,
    );
  });

  test('without a configuration the region comes from the environment', async () => {
    expect(
      await check('region', { env: { ALICLOUD_REGION: 'cn-shanghai' } }),
      'pass',
      /cn-shanghai \(env:ALICLOUD_REGION\)/,
    );
  });

  test('an unknown region fails with a suggestion', async () => {
    expect(
      await check('region', { env: { ALICLOUD_REGION: 'cn-hangzho' } }),
      'fail',
      /unknown region: cn-hangzho \(did you mean cn-hangzhou\?\)/,
    );
  });

  test('a region known offline that the account does not have fails: DescribeRegions decides', async () => {
    // cn-qingdao is a real region (src/cloud/regions.ts) the emulated account is not offered.
    const c = config({ alibaba: { image_copy_regions: ['cn-shanghai', 'cn-qingdao'] } });
    expect(await check('region', { config: c }), 'fail', /^unknown region: cn-qingdao$/);
  });

  test('an answer without regions fails (InvalidResponse) instead of calling every region unknown', async () => {
    const id = emu.admin.injectFault({ action: 'ecs:DescribeRegions', omitFields: ['Regions'] });
    try {
      expect(
        await check('region'),
        'fail',
        /InvalidResponse: ECS DescribeRegions answered without any region/,
      );
    } finally {
      emu.admin.clearFaults(id);
    }
  });

  test('a credentials problem skips it', async () => {
    expect(await check('region', { keys: null }), 'skip', /credentials/);
  });
});

describe('instance type', () => {
  test('available in the region', async () => {
    expect(
      await check('instance-type', { config: config() }),
      'pass',
      /ecs\.g6\.xlarge is available in cn-hangzhou-/,
    );
  });

  test('available in the VSwitch zone', async () => {
    const c = config({ alibaba: { vpc_id: net.vpcId, vswitch_id: net.vswitchId } });
    expect(await check('instance-type', { config: c }), 'pass', new RegExp(`available in ${net.zoneId}`));
  });

  test('not available in zone_id fails, naming the zones that have it', async () => {
    const r = await check('instance-type', {
      config: config({ alibaba: { instance_type: 'ecs.g7.xlarge', zone_id: 'cn-hangzhou-b' } }),
    });
    expect(r, 'fail', /not available in cn-hangzhou-b \(from zone_id\); it is in cn-hangzhou-f/);
    assert.match(r.fix ?? '', /set zone_id to cn-hangzhou-f/);
  });

  test('an instance type no zone offers fails', async () => {
    expect(
      await check('instance-type', { config: config({ alibaba: { instance_type: 'ecs.x9.huge' } }) }),
      'fail',
      /not available in any zone/,
    );
  });
});

describe('VPC and VSwitch', () => {
  test('an existing VSwitch in vpc_id passes with its zone and VPC', async () => {
    const c = config({ alibaba: { vpc_id: net.vpcId, vswitch_id: net.vswitchId } });
    expect(
      await check('vswitch', { config: c }),
      'pass',
      new RegExp(`${net.vswitchId} is in zone ${net.zoneId}, VPC ${net.vpcId}`),
    );
  });

  test('no network configured passes: the build creates one', async () => {
    expect(await check('vswitch', { config: config() }), 'pass', /temporary VPC and VSwitch/);
  });

  test('a VSwitch that does not exist fails', async () => {
    const c = config({ alibaba: { vpc_id: net.vpcId, vswitch_id: 'vsw-bp1doesnotexist00000' } });
    expect(await check('vswitch', { config: c }), 'fail', /does not exist/);
  });

  test('a VSwitch without vpc_id fails with packer 1.6 (it would create a new VPC)', async () => {
    const r = await check('vswitch', { config: config({ alibaba: { vswitch_id: net.vswitchId } }) });
    expect(r, 'fail', /without vpc_id packer/);
    assert.equal(r.fix, `add vpc_id: ${net.vpcId}`);
  });

  test('a VSwitch outside vpc_id fails', async () => {
    const r = await check('vswitch', {
      config: config({ alibaba: { vpc_id: net.otherVpcId, vswitch_id: net.vswitchId } }),
    });
    expect(r, 'fail', new RegExp(`not in vpc_id ${net.otherVpcId}`));
  });

  test('a vpc_id that does not exist fails', async () => {
    expect(
      await check('vswitch', { config: config({ alibaba: { vpc_id: 'vpc-bp1doesnotexist0000' } }) }),
      'fail',
      /vpc_id .* does not exist/,
    );
  });
});

describe('security group', () => {
  const withSg = (sg: string, vpc = net.vpcId) =>
    config({ alibaba: { vpc_id: vpc, vswitch_id: net.vswitchId, security_group_id: sg } });

  test('SSH open to anywhere passes', async () => {
    expect(
      await check('security-group', { config: withSg(net.openSg) }),
      'pass',
      /allows SSH \(22\) from anywhere/,
    );
  });

  test('SSH open only to specific CIDRs warns', async () => {
    expect(
      await check('security-group', { config: withSg(net.narrowSg) }),
      'warn',
      /only from 203\.0\.113\.0\/24/,
    );
  });

  test('no SSH rule fails with the command that adds one', async () => {
    const r = await check('security-group', { config: withSg(net.closedSg) });
    expect(r, 'fail', /does not allow SSH/);
    assert.match(r.fix ?? '', /AuthorizeSecurityGroup/);
  });

  test('a group of another VPC fails', async () => {
    expect(
      await check('security-group', { config: withSg(net.otherSg) }),
      'fail',
      new RegExp(`belongs to VPC ${net.otherVpcId}`),
    );
  });

  test('a group that does not exist fails', async () => {
    expect(
      await check('security-group', { config: withSg('sg-bp1doesnotexist0000') }),
      'fail',
      /does not exist/,
    );
  });

  test('none configured passes: the build creates one', async () => {
    expect(await check('security-group', { config: config() }), 'pass', /temporary group/);
  });
});

describe('images', () => {
  test('the default source image exists', async () => {
    expect(await check('source-image', { config: config() }), 'pass', /ubuntu_22_04.* exists in cn-hangzhou/);
  });

  test('a missing source image fails', async () => {
    expect(
      await check('source-image', { config: config({ alibaba: { source_image: 'm-bp1doesnotexist0000' } }) }),
      'fail',
      /does not exist/,
    );
  });

  test('a free image name passes; a taken one fails, or warns with --force', async () => {
    const c = config({ name: 'doctor-taken' });
    expect(await check('image-name', { config: c }), 'pass', /is free/);
    await makeImage('doctor-taken');
    const r = await check('image-name', { config: c });
    expect(r, 'fail', /already exists/);
    assert.match(r.fix ?? '', /--force/);
    expect(await check('image-name', { config: c, force: true }), 'warn', /--force replaces it/);
  });

  test('the name lookup compares names exactly, through every page of the fuzzy name filter', async () => {
    const now = Date.now();
    const seed = (name: string, createdAt: number) =>
      seedImage(emu, { region: 'cn-hangzhou', name, createdAt, tags: { Team: 'web' } }).image;
    // Newer similar names fill more than a page; the exact name is the oldest (last).
    const similar = Array.from({ length: 105 }, (_, i) => seed(`doctor-paged-${i}`, now - i * 1000));
    const c = config({ name: 'doctor-paged' });
    try {
      expect(await check('image-name', { config: c }), 'pass', /is free/);
      const exact = seed('doctor-paged', now - 3_600_000);
      similar.push(exact);
      const r = await check('image-name', { config: c });
      expect(r, 'fail', new RegExp(`already exists in cn-hangzhou \\(${exact.id}\\)$`));
    } finally {
      for (const img of similar) emu.admin.world.remove(img);
    }
  });

  test('an image sindri built under the name warns that the cache reuses it, unless the cache is off', async () => {
    await makeImage('doctor-cached', [{ key: 'ManagedBy', value: 'sindri' }]);
    const cached = config({ name: 'doctor-cached' });
    expect(await check('image-name', { config: cached }), 'warn', /reuses it from the cache/);
    cached.providers.packer.build.cache = false;
    expect(await check('image-name', { config: cached }), 'fail', /already exists/);
  });
});

describe('export role', () => {
  test('a missing role warns (only export needs it); a present one passes', async () => {
    expect(await check('export-role'), 'warn', /AliyunECSImageExportDefaultRole does not exist/);
    emu.admin.seedAccount({ accountId: ROOT_ACCOUNT_ID, roles: [{ roleName: EXPORT_ROLE }] });
    expect(await check('export-role'), 'pass', /AliyunECSImageExportDefaultRole exists \(acs:ram::/);
  });

  test('a caller that may not read RAM gets a warning, not a failure', async () => {
    const u = emu.admin.createRamUser({ userName: 'no-ram-read', policies: ['AliyunECSFullAccess'] });
    expect(await check('export-role', { keys: u }), 'warn', /could not look the role up/);
  });
});

describe('quotas', () => {
  test('asks only for documented attribute names, and counts EIPs and custom images with the limit unchecked', async () => {
    emu.admin.clearRequestLog();
    const r = await check('quotas', { config: config() });
    expect(
      r,
      'pass',
      /pay-as-you-go vCPU \d+\/\d+.*security group \d+\/100.*EIPs in use \d+, custom images \d+ \(limits not checked/,
    );
    const asked = emu.admin
      .requestLog({ action: 'DescribeAccountAttributes' })
      .flatMap((e) => Object.entries(e.params).filter(([k]) => k.startsWith('AttributeName.')))
      .map(([, v]) => v);
    assert.deepEqual(asked.sort(), [
      'max-postpaid-instance-vcpu-count',
      'max-security-groups',
      'used-postpaid-instance-vcpu-count',
    ]);
  });

  test('no vCPU left fails', async () => {
    const acct = emu.admin.seedAccount({});
    emu.admin.setQuotas({ accountId: acct.accountId, instances: 0 });
    const keys = {
      accessKeyId: acct.rootAccessKeyId as string,
      accessKeySecret: acct.rootAccessKeySecret as string,
    };
    const r = await check('quotas', { config: config(), keys });
    expect(r, 'fail', /pay-as-you-go vCPU 0\/0: the build needs \d+ more/);
  });

  test('a limit the account does not report is unknown, never zero', async () => {
    const id = emu.admin.injectFault({
      action: 'DescribeAccountAttributes',
      omitFields: ['AccountAttributeItems'],
    });
    try {
      expect(
        await check('quotas', { config: config() }),
        'warn',
        /no quota could be checked.*no pay-as-you-go vCPU limit/,
      );
    } finally {
      emu.admin.clearFaults(id);
    }
  });

  test('an API error inside the check is its failure, not a crash', async () => {
    const id = emu.admin.injectFault({ action: 'DescribeAccountAttributes', code: 'InternalError' });
    try {
      expect(await check('quotas', { config: config() }), 'fail', /InternalError/);
    } finally {
      emu.admin.clearFaults(id);
    }
  });
});

describe('RAM permissions', () => {
  const minimal = (c: SindriConfig, drop?: string) =>
    policyDocument(requiredActions(c).filter((a) => a.action !== drop));

  test('the root account passes with a note', async () => {
    expect(await check('ram', { config: config() }), 'pass', /root account/);
  });

  test('a RAM user holding the minimal policy (and RAM read access) passes', async () => {
    const c = config();
    const u = emu.admin.createRamUser({
      userName: 'doctor-ok',
      policies: [{ policyName: 'DoctorOk', document: minimal(c) }, 'AliyunRAMReadOnlyAccess'],
    });
    expect(
      await check('ram', { config: c, keys: u }),
      'pass',
      new RegExp(`RAM user doctor-ok: 2 attached policies allow all ${requiredActions(c).length} actions`),
    );
  });

  test('a missing action fails, naming it', async () => {
    const c = config();
    const u = emu.admin.createRamUser({
      userName: 'doctor-missing',
      policies: [
        { policyName: 'DoctorMissing', document: minimal(c, 'ecs:CreateImage') },
        'AliyunRAMReadOnlyAccess',
      ],
    });
    const r = await check('ram', { config: c, keys: u });
    expect(r, 'fail', /not allowed: ecs:CreateImage$/);
    assert.match(r.fix ?? '', /--print-policy/);
  });

  test('an explicit Deny fails even with broad Allows', async () => {
    const u = emu.admin.createRamUser({
      userName: 'doctor-denied',
      policies: [
        'AliyunECSFullAccess',
        'AliyunRAMReadOnlyAccess',
        {
          policyName: 'NoCopies',
          document: { Version: '1', Statement: [{ Effect: 'Deny', Action: 'ecs:Copy*', Resource: '*' }] },
        },
      ],
    });
    const r = await check('ram', {
      config: config({ alibaba: { image_copy_regions: ['cn-shanghai'] } }),
      keys: u,
    });
    expect(r, 'fail', /explicitly denied: ecs:CopyImage \(by NoCopies \(Custom\)\)/);
  });

  test('wildcard grants count', async () => {
    const u = emu.admin.createRamUser({
      userName: 'doctor-wild',
      policies: [
        'AliyunRAMReadOnlyAccess',
        {
          policyName: 'Wild',
          // The test stage makes its network through the VPC API.
          document: {
            Version: '1',
            Statement: [{ Effect: 'Allow', Action: ['ecs:*', 'vpc:*'], Resource: '*' }],
          },
        },
      ],
    });
    expect(await check('ram', { config: config(), keys: u }), 'pass', /allow all/);
  });

  test('the vpc: name of a network action counts, as the guide writes it', async () => {
    const c = config();
    const doc = minimal(c, 'ecs:AllocateEipAddress');
    doc.Statement[0]?.Action.push('vpc:AllocateEipAddress');
    const u = emu.admin.createRamUser({
      userName: 'doctor-vpcnames',
      policies: ['AliyunRAMReadOnlyAccess', { policyName: 'VpcNames', document: doc }],
    });
    expect(
      await check('ram', { config: c, keys: u }),
      'pass',
      new RegExp(`allow all ${requiredActions(c).length} actions`),
    );
  });

  test('without RAM read access it warns that the check could not run', async () => {
    const c = config();
    const u = emu.admin.createRamUser({
      userName: 'doctor-noread',
      policies: [{ policyName: 'DoctorNoRead', document: minimal(c) }],
    });
    const r = await check('ram', { config: c, keys: u });
    expect(
      r,
      'warn',
      /could not check: RAM read access is denied \(ram:ListPoliciesForUser: Forbidden\.RAM\)/,
    );
    assert.match(r.fix ?? '', /AliyunRAMReadOnlyAccess/);
  });
});

describe('the runner', () => {
  test('a check that takes too long warns with a timeout instead of hanging', async () => {
    const id = emu.admin.injectFault({ action: 'DescribeRegions', latencyMs: 3000 });
    try {
      const started = Date.now();
      const r = await check('region', { timeoutMs: 300 });
      expect(r, 'warn', /timed out after 0\.3 s/);
      assert.ok(Date.now() - started < 2500);
    } finally {
      emu.admin.clearFaults(id);
    }
  });

  test('all checks run in parallel and a full configuration passes as root', async () => {
    const c = config({
      alibaba: { vpc_id: net.vpcId, vswitch_id: net.vswitchId, security_group_id: net.openSg },
    });
    emu.admin.seedAccount({ accountId: ROOT_ACCOUNT_ID, roles: [{ roleName: EXPORT_ROLE }] });
    const report = await runDoctor({ env: cloudEnv(emu, ROOT), home, config: c });
    assert.deepEqual(
      report.checks.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.detail}`),
      [],
    );
    assert.equal(report.ok, true);
    assert.equal(report.checks.length, 15);
  });
});

describe('leftovers', () => {
  test('a temporary resource of a build that died long ago warns, pointing at sweep; none passes', async () => {
    expect(await check('leftovers'), 'pass', /no leftovers of builds in cn-hangzhou/);
    const root = await rootClients(emu);
    const vpc = await root.call('ecs', 'CreateVpc', {
      regionId: 'cn-hangzhou',
      cidrBlock: '172.16.0.0/16',
      vpcName: 'sindri-20261130-010000-0a0b0c',
    });
    const young = await check('leftovers');
    expect(young, 'pass', /no leftovers/);
    const seeded = emu.admin.world.get('vpc', 'cn-hangzhou', vpc.vpcId as string);
    assert.ok(seeded);
    seeded.createdAt -= 7 * 3_600_000;
    const old = await check('leftovers');
    expect(old, 'warn', /1 resource\(s\) left by builds that died in cn-hangzhou \(vpc\)/);
    assert.match(old.fix ?? '', /sindri packer sweep/);
    await root.call('ecs', 'DeleteVpc', { regionId: 'cn-hangzhou', vpcId: vpc.vpcId as string });
  });
});
