/** The RAM policy evaluator and requiredActions, without a cloud. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { aliasesOf, principalOf } from '../../src/doctor/checks/ram.ts';
import { actionMatches, evaluateAction, type NamedPolicy } from '../../src/doctor/policy.ts';
import { policyDocument, requiredActions } from '../../src/packer/required-actions.ts';
import { config } from './helpers.ts';

const doc = (...statements: object[]): string => JSON.stringify({ Version: '1', Statement: statements });
const p = (name: string, ...statements: object[]): NamedPolicy => ({ name, document: doc(...statements) });

describe('actionMatches', () => {
  test('wildcards, case and exact names', () => {
    assert.ok(actionMatches('ecs:*', 'ecs:CreateImage'));
    assert.ok(actionMatches('*', 'vpc:DeleteVpc'));
    assert.ok(actionMatches('ecs:Describe*', 'ecs:DescribeImages'));
    assert.ok(actionMatches('ECS:createimage', 'ecs:CreateImage'));
    assert.ok(actionMatches('ecs:Describe?mages', 'ecs:DescribeImages'));
    assert.ok(!actionMatches('ecs:Describe*', 'ecs:CreateImage'));
    assert.ok(!actionMatches('ecs:Create', 'ecs:CreateImage'));
    assert.ok(!actionMatches('ecs:CreateImage.', 'ecs:CreateImageX'), 'dots are literal');
  });
});

describe('evaluateAction', () => {
  test('Allow, implicit deny, and Deny winning over Allow', () => {
    const allow = p('A', { Effect: 'Allow', Action: ['ecs:*'], Resource: '*' });
    const deny = p('D', { Effect: 'Deny', Action: 'ecs:CopyImage', Resource: '*' });
    assert.equal(evaluateAction([allow], 'ecs:CopyImage').decision, 'Allow');
    assert.deepEqual(evaluateAction([allow], 'vpc:CreateVpc').decision, 'ImplicitDeny');
    const v = evaluateAction([allow, deny], 'ecs:CopyImage');
    assert.equal(v.decision, 'Deny');
    assert.deepEqual(v.by, ['D']);
  });

  test('NotAction allows everything else', () => {
    const pol = p('N', { Effect: 'Allow', NotAction: ['ecs:Delete*'], Resource: '*' });
    assert.equal(evaluateAction([pol], 'ecs:CreateImage').decision, 'Allow');
    assert.equal(evaluateAction([pol], 'ecs:DeleteInstance').decision, 'ImplicitDeny');
  });

  test('a conditional Allow is not counted, and is reported', () => {
    const pol = p('C', {
      Effect: 'Allow',
      Action: 'ecs:*',
      Resource: '*',
      Condition: { IpAddress: { 'acs:SourceIp': '203.0.113.0/24' } },
    });
    const v = evaluateAction([pol], 'ecs:CreateImage');
    assert.equal(v.decision, 'ImplicitDeny');
    assert.deepEqual(v.conditional, ['C']);
  });

  test('aliases authorise the same call', () => {
    const pol = p('V', { Effect: 'Allow', Action: 'vpc:AllocateEipAddress', Resource: '*' });
    assert.equal(
      evaluateAction([pol], 'ecs:AllocateEipAddress', aliasesOf('ecs:AllocateEipAddress')).decision,
      'Allow',
    );
    assert.deepEqual(aliasesOf('ecs:CreateImage'), []);
  });

  test('a single statement object works as well as a list', () => {
    const single: NamedPolicy = {
      name: 'S',
      document: JSON.stringify({
        Version: '1',
        Statement: { Effect: 'Allow', Action: 'ecs:CreateImage', Resource: '*' },
      }),
    };
    assert.equal(evaluateAction([single], 'ecs:CreateImage').decision, 'Allow');
  });
});

describe('principalOf', () => {
  test('root, RAM user and assumed role ARNs', () => {
    assert.deepEqual(principalOf('acs:ram::1000000000000001:root'), { kind: 'root', name: '' });
    assert.deepEqual(principalOf('acs:ram::1000000000000001:user/builder'), {
      kind: 'user',
      name: 'builder',
    });
    assert.deepEqual(principalOf('acs:ram::1000000000000001:assumed-role/packer/sess'), {
      kind: 'role',
      name: 'packer',
    });
  });
});

describe('requiredActions', () => {
  test('given networking is only read, not created', () => {
    const temp = requiredActions(config()).map((a) => a.action);
    const given = requiredActions(
      config({
        alibaba: {
          vpc_id: 'vpc-bp1example000001',
          vswitch_id: 'vsw-bp1example000001',
          security_group_id: 'sg-bp1example000001',
        },
      }),
    ).map((a) => a.action);
    // The placement passes packer a zone, so packer needs no DescribeZones for its VSwitch.
    for (const a of ['ecs:CreateVpc', 'ecs:CreateVSwitch', 'ecs:CreateSecurityGroup']) {
      assert.ok(temp.includes(a));
      assert.ok(!given.includes(a));
    }
    assert.ok(given.includes('ecs:DescribeSecurityGroups'));
    assert.ok(!temp.includes('ecs:DescribeSecurityGroups'));
  });

  test('copy regions need CopyImage; sharing needs DescribeImageSharePermission', () => {
    const base = requiredActions(config()).map((a) => a.action);
    assert.ok(!base.includes('ecs:CopyImage'));
    assert.ok(!base.includes('ecs:DescribeImageSharePermission'));
    const dist = requiredActions(
      config({
        alibaba: { image_copy_regions: ['cn-shanghai'], image_share_accounts: ['1000000000000002'] },
      }),
    ).map((a) => a.action);
    assert.ok(dist.includes('ecs:CopyImage'));
    assert.ok(dist.includes('ecs:DescribeImageSharePermission'));
  });

  test('the ancestry tag needs TagResources; an image family needs ModifyImageAttribute', () => {
    const plain = requiredActions(config(), { withoutTestStage: true }).map((a) => a.action);
    assert.ok(plain.includes('ecs:TagResources'), 'sindri:base is written on every build');
    assert.ok(!plain.includes('ecs:ModifyImageAttribute'));
    const family = requiredActions(config({ family: 'web' }), { withoutTestStage: true });
    const modify = family.find((a) => a.action === 'ecs:ModifyImageAttribute');
    assert.match(modify?.why ?? '', /image_family/);
  });

  test('packer >= 1.7 sends network actions to the VPC API', () => {
    const actions = requiredActions(config(), { packerVersion: '1.9.4' }).map((a) => a.action);
    assert.ok(actions.includes('vpc:AllocateEipAddress'));
    assert.ok(!actions.includes('ecs:AllocateEipAddress'));
    assert.ok(actions.includes('ecs:CreateImage'));
  });

  test('every action has a reason, and the policy lists each once, sorted', () => {
    const actions = requiredActions(config());
    for (const a of actions) assert.ok(a.why.length > 0, a.action);
    const policy = policyDocument(actions);
    const listed = policy.Statement[0]?.Action ?? [];
    assert.deepEqual(listed, [...new Set(listed)].sort());
    assert.equal(listed.length, actions.length);
  });
});
