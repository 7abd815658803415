/** Security groups and their rules. */
import { type CallContext, type Handler, requireRegion } from '../context.ts';
import { ApiError, invalidParameter, notFound } from '../errors.ts';
import { ecsTags, matchesTags, paginate } from '../params.ts';
import { isoSeconds, randomId, type SecurityGroup, type SecurityGroupRule } from '../state.ts';

export function findSecurityGroup(ctx: CallContext, regionId: string, id: string): SecurityGroup {
  const sg = ctx.world.get('securitygroup', regionId, id);
  if (!sg || sg.accountId !== ctx.accountId)
    throw notFound('SecurityGroupId', `The specified SecurityGroupId "${id}" does not exist.`);
  return sg;
}

export const CreateSecurityGroup: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const vpcId = ctx.p.str('VpcId');
  if (vpcId !== undefined) {
    const vpc = w.get('vpc', region.regionId, vpcId);
    if (!vpc || vpc.accountId !== ctx.accountId)
      throw notFound('VpcId', `The specified VpcId "${vpcId}" does not exist.`);
  }
  if (
    w.list('securitygroup', region.regionId, ctx.accountId).length >= w.quota(ctx.accountId, 'securityGroups')
  )
    throw new ApiError(
      'QuotaExceeded.SecurityGroup',
      'The number of security groups in this region has reached the quota.',
    );
  const now = w.now();
  const sg = w.add<SecurityGroup>({
    kind: 'securitygroup',
    id: w.newId('sg', region),
    regionId: region.regionId,
    accountId: ctx.accountId,
    createdAt: now,
    tags: ctx.p.tagMap(),
    timeline: [{ at: now, status: 'Available' }],
    name: ctx.p.str('SecurityGroupName') ?? '',
    description: ctx.p.str('Description') ?? '',
    vpcId: vpcId ?? '',
    securityGroupType: ctx.p.str('SecurityGroupType') ?? 'normal',
    rules: [],
  });
  return { SecurityGroupId: sg.id };
};

export const DescribeSecurityGroups: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const p = ctx.p;
  const ids =
    p.jsonList('SecurityGroupIds') ??
    (p.str('SecurityGroupId') ? [p.str('SecurityGroupId') ?? ''] : undefined);
  const tags = p.tags();
  const all = w
    .list('securitygroup', region.regionId, ctx.accountId)
    .filter((g) => !ids || ids.includes(g.id))
    .filter((g) => p.str('VpcId') === undefined || g.vpcId === p.str('VpcId'))
    .filter((g) => p.str('SecurityGroupName') === undefined || g.name === p.str('SecurityGroupName'))
    .filter((g) => matchesTags(g.tags, tags));
  const page = paginate(all, p, { nextToken: true, max: 50 });
  return {
    RegionId: region.regionId,
    ...page.fields,
    SecurityGroups: {
      SecurityGroup: page.items.map((g) => ({
        SecurityGroupId: g.id,
        SecurityGroupName: g.name,
        Description: g.description,
        VpcId: g.vpcId,
        SecurityGroupType: g.securityGroupType,
        CreationTime: isoSeconds(g.createdAt),
        EcsCount: w
          .list('instance', region.regionId, ctx.accountId)
          .filter((i) => i.securityGroupIds.includes(g.id)).length,
        AvailableInstanceAmount: 2000,
        RuleCount: g.rules.length,
        ServiceManaged: false,
        ResourceGroupId: '',
        Tags: ecsTags(g.tags),
      })),
    },
  };
};

export const DescribeSecurityGroupAttribute: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const sg = findSecurityGroup(ctx, region.regionId, ctx.p.req('SecurityGroupId'));
  const direction = ctx.p.str('Direction') ?? 'all';
  return {
    RegionId: region.regionId,
    SecurityGroupId: sg.id,
    SecurityGroupName: sg.name,
    Description: sg.description,
    VpcId: sg.vpcId,
    InnerAccessPolicy: 'Accept',
    Permissions: {
      Permission: sg.rules
        .filter((r) => direction === 'all' || r.direction === direction)
        .map((r) => ({
          SecurityGroupRuleId: r.ruleId,
          Direction: r.direction,
          IpProtocol: r.ipProtocol.toUpperCase(),
          PortRange: r.portRange,
          SourceCidrIp: r.sourceCidrIp,
          DestCidrIp: r.destCidrIp,
          Policy: r.policy,
          Priority: r.priority,
          NicType: r.nicType,
          Description: r.description,
          CreateTime: r.createTime,
          SourcePortRange: '',
          SourceGroupId: '',
          DestGroupId: '',
        })),
    },
  };
};

function parseRule(
  ctx: CallContext,
  direction: 'ingress' | 'egress',
  fields: Record<string, string | undefined>,
): SecurityGroupRule {
  const protocol = (fields.IpProtocol ?? '').toLowerCase();
  if (!['tcp', 'udp', 'icmp', 'gre', 'all', 'icmpv6'].includes(protocol))
    throw new ApiError(
      'InvalidIpProtocol.Malformed',
      `The specified IpProtocol "${fields.IpProtocol ?? ''}" is not valid.`,
    );
  const portRange = fields.PortRange ?? '';
  const m = /^(-?\d+)\/(-?\d+)$/.exec(portRange);
  const ok =
    m !== null &&
    (['tcp', 'udp'].includes(protocol)
      ? Number(m[1]) >= 1 && Number(m[2]) <= 65535 && Number(m[1]) <= Number(m[2])
      : m[1] === '-1' && m[2] === '-1');
  if (!ok)
    throw new ApiError(
      'InvalidIpPortRange.Malformed',
      `The specified PortRange "${portRange}" is not valid.`,
    );
  const policy = (fields.Policy ?? 'accept').toLowerCase();
  if (!['accept', 'drop'].includes(policy)) throw invalidParameter('Policy');
  const cidr = direction === 'ingress' ? fields.SourceCidrIp : fields.DestCidrIp;
  if (cidr !== undefined && cidr !== '' && !/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/.test(cidr))
    throw new ApiError('InvalidCidrIp.Malformed', `The specified CIDR "${cidr}" is not valid.`);
  return {
    ruleId: `sgr-${randomId(20)}`,
    direction,
    ipProtocol: protocol,
    portRange,
    sourceCidrIp: direction === 'ingress' ? (fields.SourceCidrIp ?? '') : '',
    destCidrIp: direction === 'egress' ? (fields.DestCidrIp ?? '') : '',
    policy: policy === 'accept' ? 'Accept' : 'Drop',
    priority: fields.Priority ?? '1',
    nicType: fields.NicType ?? 'intranet',
    description: fields.Description ?? '',
    createTime: isoSeconds(ctx.world.now()),
  };
}

function authorize(direction: 'ingress' | 'egress'): Handler {
  return (ctx) => {
    const region = requireRegion(ctx);
    const sg = findSecurityGroup(ctx, region.regionId, ctx.p.req('SecurityGroupId'));
    const list = ctx.p.structs('Permissions');
    const specs = list.length > 0 ? list : [ctx.p.raw];
    const rules = specs.map((s) => parseRule(ctx, direction, s));
    for (const rule of rules) {
      const dup = sg.rules.some(
        (r) =>
          r.direction === rule.direction &&
          r.ipProtocol === rule.ipProtocol &&
          r.portRange === rule.portRange &&
          r.sourceCidrIp === rule.sourceCidrIp &&
          r.destCidrIp === rule.destCidrIp &&
          r.policy === rule.policy,
      );
      if (!dup) sg.rules.push(rule);
    }
    if (sg.rules.length > 200)
      throw new ApiError('QuotaExceeded.SecurityGroupRule', 'A security group can hold at most 200 rules.');
    return {};
  };
}

function revoke(direction: 'ingress' | 'egress'): Handler {
  return (ctx) => {
    const region = requireRegion(ctx);
    const sg = findSecurityGroup(ctx, region.regionId, ctx.p.req('SecurityGroupId'));
    const ruleIds = ctx.p.repeated('SecurityGroupRuleId');
    if (ruleIds.length > 0) {
      sg.rules = sg.rules.filter((r) => !ruleIds.includes(r.ruleId));
      return {};
    }
    const rule = parseRule(ctx, direction, ctx.p.raw);
    sg.rules = sg.rules.filter(
      (r) =>
        !(
          r.direction === direction &&
          r.ipProtocol === rule.ipProtocol &&
          r.portRange === rule.portRange &&
          r.sourceCidrIp === rule.sourceCidrIp &&
          r.destCidrIp === rule.destCidrIp
        ),
    );
    return {};
  };
}

export const DeleteSecurityGroup: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const sg = findSecurityGroup(ctx, region.regionId, ctx.p.req('SecurityGroupId'));
  const users = w
    .list('instance', region.regionId, ctx.accountId)
    .filter((i) => i.securityGroupIds.includes(sg.id));
  if (users.length > 0)
    throw new ApiError(
      'DependencyViolation',
      `There is still instance(s) in the specified security group: ${users.map((i) => i.id).join(', ')}.`,
      403,
    );
  w.remove(sg);
  return {};
};

export const AuthorizeSecurityGroup = authorize('ingress');
export const AuthorizeSecurityGroupEgress = authorize('egress');
export const RevokeSecurityGroup = revoke('ingress');
export const RevokeSecurityGroupEgress = revoke('egress');
