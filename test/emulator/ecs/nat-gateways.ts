/**
 * VPC DescribeNatGateways: the NAT gateways the admin API seeded (`addNatGateway`), which give a VPC
 * without public addresses its way out to the internet. The emulator makes none itself.
 */
import { type Handler, requireRegion } from '../context.ts';
import { paginate } from '../params.ts';

export const DescribeNatGateways: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const vpcId = ctx.p.str('VpcId');
  const id = ctx.p.str('NatGatewayId');
  const networkType = ctx.p.str('NetworkType');
  const all = ctx.world.natGateways.filter(
    (n) =>
      n.regionId === region.regionId &&
      n.accountId === ctx.accountId &&
      (vpcId === undefined || n.vpcId === vpcId) &&
      (id === undefined || n.id === id) &&
      (networkType === undefined || n.networkType === networkType),
  );
  const page = paginate(all, ctx.p, { defaultSize: 10, max: 50 });
  return {
    ...page.fields,
    NatGateways: {
      NatGateway: page.items.map((n) => ({
        NatGatewayId: n.id,
        VpcId: n.vpcId,
        RegionId: n.regionId,
        NetworkType: n.networkType,
        NatType: 'Enhanced',
        Status: 'Available',
        Name: '',
      })),
    },
  };
};
