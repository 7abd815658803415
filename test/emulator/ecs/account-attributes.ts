/** DescribeAccountAttributes: the account's quotas and what it uses of them. */
import { instanceTypeById } from '../catalog.ts';
import { type Handler, requireRegion } from '../context.ts';

export const DescribeAccountAttributes: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const acct = ctx.accountId;
  const used = (kind: 'securitygroup' | 'eip' | 'image' | 'keypair' | 'instance') =>
    w.list(kind, region.regionId, acct).length;
  const vcpus = w
    .list('instance', region.regionId, acct)
    .reduce((n, i) => n + (instanceTypeById(i.instanceType)?.cpu ?? 0), 0);
  const attrs: Record<string, string> = {
    'max-security-groups': String(w.quota(acct, 'securityGroups')),
    'used-security-groups': String(used('securitygroup')),
    'max-elastic-ip-addresses': String(w.quota(acct, 'eips')),
    'used-elastic-ip-addresses': String(used('eip')),
    'max-custom-images': String(w.quota(acct, 'customImages')),
    'used-custom-images': String(used('image')),
    'max-key-pairs': String(w.quota(acct, 'keyPairs')),
    'max-instances': String(w.quota(acct, 'instances')),
    'used-instances': String(used('instance')),
    'max-postpaid-instance-vcpu-count': String(w.quota(acct, 'instances') * 4),
    'used-postpaid-instance-vcpu-count': String(vcpus),
    'max-elastic-network-interfaces': '100',
    'instance-network-type': 'vpc',
    'real-name-authentications': 'yes',
  };
  const wanted = ctx.p.repeated('AttributeName');
  return {
    AccountAttributeItems: {
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
