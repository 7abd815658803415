/**
 * What the build will create, against what the account may have.
 *
 * ECS DescribeAccountAttributes documents a fixed set of attribute names (SDK
 * `DescribeAccountAttributesRequest.attributeName`): among them `max-security-groups`,
 * `max-postpaid-instance-vcpu-count` and `used-postpaid-instance-vcpu-count`, and nothing about EIPs
 * or custom images. So the vCPU headroom is checked, the security-group headroom is checked against a
 * count of the groups, and EIPs and custom images are counted with a note that their limit is not
 * checked (it lives in Quota Center, which sindri does not call). An attribute missing from the
 * answer is unknown, never zero.
 */
import type { CloudClients } from '../../cloud/index.ts';
import { toCloudError } from '../../cloud/index.ts';
import { instanceTypes } from '../../config/types.ts';
import { ALL_IMAGE_STATUSES } from '../../images/images.ts';
import { isForbidden, lookup, sessionOrSkip } from '../errors.ts';
import type { Check, DoctorContext } from '../types.ts';

const MAX_SECURITY_GROUPS = 'max-security-groups';
const MAX_VCPUS = 'max-postpaid-instance-vcpu-count';
const USED_VCPUS = 'used-postpaid-instance-vcpu-count';

async function attributes(ctx: DoctorContext, clients: CloudClients, region: string, names: string[]) {
  const body = await lookup(ctx, 'ecs:DescribeAccountAttributes', () =>
    clients.call('ecs', 'DescribeAccountAttributes', { regionId: region, attributeName: names }),
  );
  const out = new Map<string, number>();
  for (const item of body.accountAttributeItems?.accountAttributeItem ?? []) {
    const raw = item.attributeValues?.valueItem?.[0]?.value;
    const v = raw === undefined || raw === '' ? Number.NaN : Number(raw);
    if (item.attributeName && Number.isFinite(v)) out.set(item.attributeName, v);
  }
  return out;
}

/** A count the doctor reads for information; a refused lookup leaves it unknown (with why). */
async function countOrNote(
  action: string,
  count: () => Promise<number | undefined>,
): Promise<{ value?: number; note?: string }> {
  try {
    const value = await count();
    return value === undefined ? { note: `${action} reported no total` } : { value };
  } catch (err) {
    const e = toCloudError(err);
    if (isForbidden(e)) return { note: `${action} is not allowed for this caller` };
    throw err;
  }
}

async function securityGroupCount(clients: CloudClients, region: string): Promise<number> {
  // TotalCount is not returned with NextToken paging (SDK DescribeSecurityGroupsResponseBody): count.
  let n = 0;
  let nextToken: string | undefined;
  do {
    const body = await clients.call('ecs', 'DescribeSecurityGroups', {
      regionId: region,
      maxResults: 100,
      ...(nextToken ? { nextToken } : {}),
    });
    n += body.securityGroups?.securityGroup?.length ?? 0;
    nextToken = body.nextToken || undefined;
  } while (nextToken);
  return n;
}

const eipCount = async (clients: CloudClients, region: string) =>
  (await clients.call('ecs', 'DescribeEipAddresses', { regionId: region, pageSize: 1 })).totalCount;

const customImageCount = async (clients: CloudClients, region: string) =>
  (
    await clients.call('ecs', 'DescribeImages', {
      regionId: region,
      imageOwnerAlias: 'self',
      status: ALL_IMAGE_STATUSES,
      pageSize: 1,
    })
  ).totalCount;

interface Headroom {
  what: string;
  max: number | undefined;
  used: number | undefined;
  needed: number;
  where: string;
}

export const quotas: Check = {
  id: 'quotas',
  title: 'quotas',
  needs: 'config',
  async run(ctx) {
    const a = ctx.config?.providers.packer.alibaba;
    if (!a) throw new Error('no configuration');
    const { clients } = await sessionOrSkip(ctx);
    const home = ctx.region;
    const where = (region: string) => (region === home ? '' : ` in ${region}`);

    // vCPUs of the build instance (the first ranked type), when the instance type can be read.
    const first = instanceTypes(a)[0] as string;
    const types = await lookup(ctx, 'ecs:DescribeInstanceTypes', () =>
      clients.call('ecs', 'DescribeInstanceTypes', { instanceTypes: [first] }),
    ).catch(() => undefined);
    const cpus = types?.instanceTypes?.instanceType?.find((t) => t.instanceTypeId === first)?.cpuCoreCount;
    const createsGroup = !a.security_group_id;
    const names = [...(createsGroup ? [MAX_SECURITY_GROUPS] : []), ...(cpus ? [MAX_VCPUS, USED_VCPUS] : [])];

    const headroom: Headroom[] = [];
    const notes: string[] = [];
    if (names.length > 0) {
      const attrs = await attributes(ctx, clients, home, names);
      if (cpus) {
        headroom.push({
          what: 'pay-as-you-go vCPU',
          max: attrs.get(MAX_VCPUS),
          used: attrs.get(USED_VCPUS),
          needed: cpus,
          where: '',
        });
      }
      if (createsGroup) {
        const used = await countOrNote('ecs:DescribeSecurityGroups', () => securityGroupCount(clients, home));
        if (used.note) notes.push(`security groups in use unknown (${used.note})`);
        headroom.push({
          what: 'security group',
          max: attrs.get(MAX_SECURITY_GROUPS),
          used: used.value,
          needed: 1,
          where: '',
        });
      }
    }

    // No API sindri calls reports these limits: the counts are shown, the headroom is not checked.
    const counted: string[] = [];
    // Only an ssh build takes a temporary EIP.
    const takesEip = ctx.config?.providers.packer.build.communicator === 'ssh';
    if (takesEip) {
      const eips = await countOrNote('ecs:DescribeEipAddresses', () => eipCount(clients, home));
      counted.push(
        eips.value === undefined ? `EIPs in use unknown (${eips.note})` : `EIPs in use ${eips.value}`,
      );
    }
    for (const region of [home, ...a.image_copy_regions]) {
      const images = await countOrNote('ecs:DescribeImages', () => customImageCount(clients, region));
      counted.push(
        images.value === undefined
          ? `custom images${where(region)} unknown (${images.note})`
          : `custom images${where(region)} ${images.value}`,
      );
    }

    const problems: string[] = [];
    const tight: string[] = [];
    const seen: string[] = [];
    for (const h of headroom) {
      if (h.max === undefined) {
        notes.push(`the account reported no ${h.what} limit`);
        continue;
      }
      if (h.used === undefined) {
        seen.push(`${h.what} limit ${h.max}${h.where} (use unknown)`);
        continue;
      }
      const left = h.max - h.used;
      const line = `${h.what} ${h.used}/${h.max}${h.where}`;
      seen.push(line);
      if (left < h.needed) problems.push(`${line}: the build needs ${h.needed} more`);
      else if (left - h.needed < Math.max(1, Math.ceil(h.max * 0.1))) tight.push(line);
    }
    const unchecked = `${counted.join(', ')} (limits not checked: DescribeAccountAttributes has no ${takesEip ? 'EIP or ' : ''}custom-image attribute)`;
    if (problems.length > 0) {
      return {
        status: 'fail',
        detail: problems.join('; '),
        fix: 'release unused resources (instances, security groups) or request a quota increase in the Quota Center',
      };
    }
    if (seen.length === 0) {
      return {
        status: 'warn',
        detail: `no quota could be checked${notes.length ? ` (${notes.join('; ')})` : ''}; ${unchecked}`,
      };
    }
    const extra = notes.length > 0 ? `; ${notes.join('; ')}` : '';
    if (tight.length > 0) {
      return {
        status: 'warn',
        detail: `close to the limit: ${tight.join('; ')}${extra}; ${unchecked}`,
        fix: 'release unused resources before building in parallel',
      };
    }
    return { status: 'pass', detail: `${seen.sort().join(', ')}${extra}; ${unchecked}` };
  },
};
