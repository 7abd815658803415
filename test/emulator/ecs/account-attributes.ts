/**
 * DescribeAccountAttributes: the account's quotas and what it uses of them, under the attribute names
 * the API documents (SDK `ecs:DescribeAccountAttributesRequest.attributeName`) and no others. There is
 * no attribute for EIPs, custom images, key pairs or security groups in use.
 */
import { instanceTypeById } from '../catalog.ts';
import { type Handler, requireRegion } from '../context.ts';
import { invalidParameter } from '../errors.ts';

/** At most 8 `AttributeName.N` per call (SDK: "Valid values of N: 1 to 8"). */
const MAX_NAMES = 8;

export const DescribeAccountAttributes: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const acct = ctx.accountId;
  const instances = w.list('instance', region.regionId, acct);
  const vcpus = (spot: boolean) =>
    instances
      .filter((i) => (i.spotStrategy !== undefined && i.spotStrategy !== 'NoSpot') === spot)
      .reduce((n, i) => n + (instanceTypeById(i.instanceType)?.cpu ?? 0), 0);
  const attrs: Record<string, string> = {
    'instance-network-type': 'vpc',
    'max-security-groups': String(w.quota(acct, 'securityGroups')),
    'max-elastic-network-interfaces': '100',
    'max-postpaid-instance-vcpu-count': String(w.quota(acct, 'instances') * 4),
    'used-postpaid-instance-vcpu-count': String(vcpus(false)),
    'max-spot-instance-vcpu-count': String(w.quota(acct, 'instances') * 4),
    'used-spot-instance-vcpu-count': String(vcpus(true)),
    'max-dedicated-hosts': '10',
    'real-name-authentication': 'yes',
  };
  const wanted = ctx.p.repeated('AttributeName');
  if (wanted.length > MAX_NAMES)
    throw invalidParameter('AttributeName', `At most ${MAX_NAMES} AttributeName.N may be given.`);
  return {
    AccountAttributeItems: {
      // Names the API does not know are left out of the answer.
      AccountAttributeItem: Object.entries(attrs)
        .filter(([k]) => wanted.length === 0 || wanted.includes(k))
        .map(([name, v]) => ({
          AttributeName: name,
          AttributeValues: {
            ValueItem: [
              {
                Value: v,
                Count: 1,
                ZoneId: '',
                InstanceChargeType: '',
                InstanceType: '',
                DiskCategory: '',
                ExpiredTime: '',
              },
            ],
          },
        })),
    },
  };
};
