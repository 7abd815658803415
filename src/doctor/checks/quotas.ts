import type { CloudClients } from '../../cloud/index.ts';
import { instanceTypes } from '../../config/types.ts';
import { lookup, sessionOrSkip } from '../errors.ts';
import type { Check, DoctorContext } from '../types.ts';

interface Need {
  what: string;
  max: string;
  used?: string;
  count: number;
}

async function attributes(ctx: DoctorContext, clients: CloudClients, region: string, names: string[]) {
  const body = await lookup(ctx, 'ecs:DescribeAccountAttributes', () =>
    clients.call('ecs', 'DescribeAccountAttributes', { regionId: region, attributeName: names }),
  );
  const out = new Map<string, number>();
  for (const item of body.accountAttributeItems?.accountAttributeItem ?? []) {
    const v = Number(item.attributeValues?.valueItem?.[0]?.value);
    if (item.attributeName && Number.isFinite(v)) out.set(item.attributeName, v);
  }
  return out;
}

/** What the build will create, against the account's quotas (ECS DescribeAccountAttributes). */
export const quotas: Check = {
  id: 'quotas',
  title: 'quotas',
  needs: 'config',
  async run(ctx) {
    const a = ctx.config?.providers.packer.alibaba;
    if (!a) throw new Error('no configuration');
    const { clients } = await sessionOrSkip(ctx);
    const needs: Need[] = [
      // Only an ssh build takes a temporary EIP.
      ...(ctx.config?.providers.packer.build.communicator === 'ssh'
        ? [{ what: 'EIP', max: 'max-elastic-ip-addresses', used: 'used-elastic-ip-addresses', count: 1 }]
        : []),
      { what: 'custom image', max: 'max-custom-images', used: 'used-custom-images', count: 1 },
    ];
    if (!a.security_group_id) {
      needs.push({
        what: 'security group',
        max: 'max-security-groups',
        used: 'used-security-groups',
        count: 1,
      });
    }
    // vCPUs of the build instance, when the instance type can be read.
    const types = await lookup(ctx, 'ecs:DescribeInstanceTypes', () =>
      clients.call('ecs', 'DescribeInstanceTypes', { instanceTypes: [instanceTypes(a)[0] as string] }),
    ).catch(() => undefined);
    const cpus = types?.instanceTypes?.instanceType?.find(
      (t) => t.instanceTypeId === instanceTypes(a)[0],
    )?.cpuCoreCount;
    if (cpus) {
      needs.push({
        what: 'pay-as-you-go vCPU',
        max: 'max-postpaid-instance-vcpu-count',
        used: 'used-postpaid-instance-vcpu-count',
        count: cpus,
      });
    }
    const names = needs.flatMap((n) => [n.max, ...(n.used ? [n.used] : [])]);
    const problems: string[] = [];
    const tight: string[] = [];
    const seen: string[] = [];
    const regions = [ctx.region, ...a.image_copy_regions];
    await Promise.all(
      regions.map(async (region) => {
        const attrs = await attributes(ctx, clients, region, names);
        // Copy regions only receive an image.
        for (const n of region === ctx.region ? needs : needs.filter((x) => x.what === 'custom image')) {
          const max = attrs.get(n.max);
          if (max === undefined) continue;
          const used = n.used ? (attrs.get(n.used) ?? 0) : 0;
          const left = max - used;
          const line = `${n.what} ${used}/${max}${region === ctx.region ? '' : ` in ${region}`}`;
          seen.push(line);
          if (left < n.count) problems.push(`${line}: the build needs ${n.count} more`);
          else if (left - n.count < Math.max(1, Math.ceil(max * 0.1)) && n.count > 0) tight.push(line);
        }
      }),
    );
    if (problems.length > 0) {
      return {
        status: 'fail',
        detail: problems.join('; '),
        fix: 'release unused resources (EIPs, images, instances) or request a quota increase in the Quota Center',
      };
    }
    if (seen.length === 0) return { status: 'warn', detail: 'the account reported no quota attributes' };
    if (tight.length > 0) {
      return {
        status: 'warn',
        detail: `close to the limit: ${tight.join('; ')}`,
        fix: 'release unused resources before building in parallel',
      };
    }
    return { status: 'pass', detail: seen.sort().join(', ') };
  },
};
