import { packerSupportsRequiredPlugins } from '../../packer/binary.ts';
import { lookup, sessionOrSkip } from '../errors.ts';
import type { Check } from '../types.ts';

/** vswitch_id exists, with its zone and VPC; vpc_id (if set) exists and matches. */
export const vswitch: Check = {
  id: 'vswitch',
  title: 'VPC and VSwitch',
  needs: 'config',
  async run(ctx) {
    const a = ctx.config?.providers.packer.alibaba;
    if (!a) throw new Error('no configuration');
    const { clients } = await sessionOrSkip(ctx);
    if (!a.vswitch_id) {
      if (!a.vpc_id) {
        return { status: 'pass', detail: 'none configured: the build creates a temporary VPC and VSwitch' };
      }
      const body = await clients.call('ecs', 'DescribeVpcs', { regionId: ctx.region, vpcId: a.vpc_id });
      const vpc = body.vpcs?.vpc?.find((v) => v.vpcId === a.vpc_id);
      if (!vpc) {
        return {
          status: 'fail',
          detail: `vpc_id ${a.vpc_id} does not exist in ${ctx.region}`,
          fix: `check vpc_id (\`aliyun vpc DescribeVpcs --RegionId ${ctx.region}\`) or remove it`,
        };
      }
      return {
        status: 'pass',
        detail: `VPC ${a.vpc_id} exists; the build creates a temporary VSwitch in it`,
      };
    }
    const v = await lookup(ctx, 'ecs:DescribeVSwitches', () => ctx.vswitch());
    if (!v) {
      return {
        status: 'fail',
        detail: `vswitch_id ${a.vswitch_id} does not exist in ${ctx.region}`,
        fix: `check vswitch_id (\`aliyun vpc DescribeVSwitches --RegionId ${ctx.region} --VSwitchId ${a.vswitch_id}\`) or remove it to use a temporary one`,
      };
    }
    const where = `${v.vSwitchId} is in zone ${v.zoneId}, VPC ${v.vpcId}${v.cidrBlock ? `, ${v.cidrBlock}` : ''}`;
    if (a.vpc_id && a.vpc_id !== v.vpcId) {
      return {
        status: 'fail',
        detail: `${where}, not in vpc_id ${a.vpc_id}`,
        fix: `set vpc_id to ${v.vpcId}`,
      };
    }
    const p = await ctx.packer();
    if (!a.vpc_id && !(p && packerSupportsRequiredPlugins(p.version))) {
      // Packer 1.6.x creates a new VPC when vpc_id is empty and then looks for the VSwitch in it.
      return {
        status: 'fail',
        detail: `${where}; without vpc_id packer ${p?.version ?? '1.6'} creates a new VPC and does not find the VSwitch in it`,
        fix: `add vpc_id: ${v.vpcId}`,
      };
    }
    if (a.zone_id && a.zone_id !== v.zoneId) {
      return {
        status: 'fail',
        detail: `${where}, not in zone_id ${a.zone_id}`,
        fix: `set zone_id to ${v.zoneId} or remove it`,
      };
    }
    if (v.status && v.status !== 'Available') {
      return {
        status: 'warn',
        detail: `${where}; status ${v.status}`,
        fix: 'wait until the VSwitch is Available',
      };
    }
    return { status: 'pass', detail: where };
  },
};

interface Rule {
  direction?: string;
  ipProtocol?: string;
  portRange?: string;
  sourceCidrIp?: string;
  ipv6SourceCidrIp?: string;
  sourceGroupId?: string;
  policy?: string;
}

function coversPort(rule: Rule, port: number): boolean {
  const proto = (rule.ipProtocol ?? '').toLowerCase();
  if (proto === 'all') return true;
  if (proto !== 'tcp') return false;
  const m = /^(-?\d+)\/(-?\d+)$/.exec(rule.portRange ?? '');
  if (!m) return false;
  const [lo, hi] = [Number(m[1]), Number(m[2])];
  return (lo === -1 && hi === -1) || (lo <= port && port <= hi);
}

/** security_group_id exists in the VSwitch's VPC and lets SSH in (warn when only specific CIDRs do). */
export const securityGroup: Check = {
  id: 'security-group',
  title: 'security group',
  needs: 'config',
  async run(ctx) {
    const cfg = ctx.config;
    if (!cfg) throw new Error('no configuration');
    const a = cfg.providers.packer.alibaba;
    const port = cfg.providers.packer.build.ssh_port;
    const assistant = cfg.providers.packer.build.communicator === 'cloud-assistant';
    if (!a.security_group_id) {
      return {
        status: 'pass',
        detail: assistant
          ? 'none configured: sindri creates a temporary group with no inbound rule (Cloud Assistant needs none)'
          : `none configured: the build creates a temporary group that opens SSH (${port})`,
      };
    }
    const { clients } = await sessionOrSkip(ctx);
    const list = await clients.call('ecs', 'DescribeSecurityGroups', {
      regionId: ctx.region,
      securityGroupIds: JSON.stringify([a.security_group_id]),
    });
    const sg = list.securityGroups?.securityGroup?.find((g) => g.securityGroupId === a.security_group_id);
    if (!sg) {
      return {
        status: 'fail',
        detail: `security_group_id ${a.security_group_id} does not exist in ${ctx.region}`,
        fix: `check it (\`aliyun ecs DescribeSecurityGroups --RegionId ${ctx.region}\`) or remove it to use a temporary group`,
      };
    }
    const vpcId =
      a.vpc_id ??
      (await ctx.vswitch().then(
        (v) => v?.vpcId,
        () => undefined,
      ));
    if (vpcId && sg.vpcId && sg.vpcId !== vpcId) {
      return {
        status: 'fail',
        detail: `${a.security_group_id} belongs to VPC ${sg.vpcId}, not ${vpcId}`,
        fix: `use a security group of VPC ${vpcId}`,
      };
    }
    const attr = await lookup(ctx, 'ecs:DescribeSecurityGroupAttribute', () =>
      clients.call('ecs', 'DescribeSecurityGroupAttribute', {
        regionId: ctx.region,
        securityGroupId: a.security_group_id,
        direction: 'ingress',
      }),
    );
    const rules = (attr.permissions?.permission ?? []) as Rule[];
    const ssh = rules.filter(
      (r) =>
        (r.direction ?? 'ingress') === 'ingress' &&
        (r.policy ?? 'Accept').toLowerCase() === 'accept' &&
        coversPort(r, port),
    );
    const inVpc = `${a.security_group_id}${sg.vpcId ? ` (VPC ${sg.vpcId})` : ''}`;
    if (assistant) {
      const open = rules.filter(
        (r) =>
          (r.direction ?? 'ingress') === 'ingress' &&
          (r.policy ?? 'Accept').toLowerCase() === 'accept' &&
          (r.sourceCidrIp === '0.0.0.0/0' || r.ipv6SourceCidrIp === '::/0'),
      );
      return open.length > 0
        ? {
            status: 'warn',
            detail: `${inVpc} lets traffic in from anywhere (${open.map((r) => `${r.ipProtocol} ${r.portRange}`).join(', ')}); a cloud-assistant build needs no inbound rule`,
            fix: 'use a security group without inbound rules, or leave security_group_id out (sindri makes one)',
          }
        : {
            status: 'pass',
            detail: `${inVpc} lets nothing in from anywhere; Cloud Assistant needs no inbound rule`,
          };
    }
    const authorize = `aliyun ecs AuthorizeSecurityGroup --RegionId ${ctx.region} --SecurityGroupId ${a.security_group_id} --IpProtocol tcp --PortRange ${port}/${port} --SourceCidrIp <your address>/32`;
    if (ssh.some((r) => r.sourceCidrIp === '0.0.0.0/0')) {
      return { status: 'pass', detail: `${inVpc} allows SSH (${port}) from anywhere` };
    }
    const sources = ssh.map((r) => r.sourceCidrIp || r.ipv6SourceCidrIp || r.sourceGroupId).filter(Boolean);
    if (sources.length > 0) {
      return {
        status: 'warn',
        detail: `${inVpc} allows SSH (${port}) only from ${sources.join(', ')}`,
        fix: `make sure the machine running packer reaches the instance from one of them, or: ${authorize}`,
      };
    }
    return { status: 'fail', detail: `${inVpc} does not allow SSH (tcp ${port}) in`, fix: authorize };
  },
};
