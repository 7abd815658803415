/** Every resource of the kinds a build makes, in one region, every page (what sweep chooses from). */
import type { CloudClients } from '../cloud/index.ts';
import type { LeftoverKind } from './leftovers.ts';

export interface HeldResource {
  id: string;
  name: string;
  createdAt: string;
  status?: string;
  vpcId?: string;
  instanceId?: string;
}

export type RegionResources = Record<LeftoverKind, HeldResource[]>;

const PAGE = 50;

/** Pages through a PageNumber/PageSize list until `TotalCount` items (or a short page) are read. */
async function allPages<T>(
  read: (pageNumber: number) => Promise<{ items: T[]; total: number }>,
): Promise<T[]> {
  const out: T[] = [];
  for (let pageNumber = 1; ; pageNumber++) {
    const { items, total } = await read(pageNumber);
    out.push(...items);
    if (items.length < PAGE || out.length >= total) return out;
  }
}

/** Pages through a NextToken/MaxResults list. */
async function allTokens<T>(read: (nextToken: string | undefined) => Promise<{ items: T[]; next?: string }>) {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await read(token);
    out.push(...page.items);
    token = page.next || undefined;
  } while (token);
  return out;
}

export async function listRegionResources(clients: CloudClients, region: string): Promise<RegionResources> {
  const [instance, vpc, vswitch, securityGroup, keyPair, eip] = await Promise.all([
    allTokens(async (nextToken) => {
      const b = await clients.call('ecs', 'DescribeInstances', {
        regionId: region,
        maxResults: 100,
        ...(nextToken ? { nextToken } : {}),
      });
      return {
        items: (b.instances?.instance ?? []).map((i) => ({
          id: i.instanceId ?? '',
          name: i.instanceName ?? '',
          createdAt: i.creationTime ?? '',
          status: i.status ?? '',
          vpcId: i.vpcAttributes?.vpcId ?? '',
        })),
        ...(b.nextToken ? { next: b.nextToken } : {}),
      };
    }),
    allPages(async (pageNumber) => {
      const b = await clients.call('ecs', 'DescribeVpcs', { regionId: region, pageNumber, pageSize: PAGE });
      return {
        items: (b.vpcs?.vpc ?? []).map((v) => ({
          id: v.vpcId ?? '',
          name: v.vpcName ?? '',
          createdAt: v.creationTime ?? '',
        })),
        total: b.totalCount ?? 0,
      };
    }),
    allPages(async (pageNumber) => {
      const b = await clients.call('ecs', 'DescribeVSwitches', {
        regionId: region,
        pageNumber,
        pageSize: PAGE,
      });
      return {
        items: (b.vSwitches?.vSwitch ?? []).map((v) => ({
          id: v.vSwitchId ?? '',
          name: v.vSwitchName ?? '',
          createdAt: v.creationTime ?? '',
          vpcId: v.vpcId ?? '',
        })),
        total: b.totalCount ?? 0,
      };
    }),
    allTokens(async (nextToken) => {
      const b = await clients.call('ecs', 'DescribeSecurityGroups', {
        regionId: region,
        maxResults: 100,
        ...(nextToken ? { nextToken } : {}),
      });
      return {
        items: (b.securityGroups?.securityGroup ?? []).map((g) => ({
          id: g.securityGroupId ?? '',
          name: g.securityGroupName ?? '',
          createdAt: g.creationTime ?? '',
          vpcId: g.vpcId ?? '',
        })),
        ...(b.nextToken ? { next: b.nextToken } : {}),
      };
    }),
    allPages(async (pageNumber) => {
      const b = await clients.call('ecs', 'DescribeKeyPairs', {
        regionId: region,
        pageNumber,
        pageSize: PAGE,
      });
      return {
        items: (b.keyPairs?.keyPair ?? []).map((k) => ({
          id: k.keyPairName ?? '',
          name: k.keyPairName ?? '',
          createdAt: k.creationTime ?? '',
        })),
        total: b.totalCount ?? 0,
      };
    }),
    allPages(async (pageNumber) => {
      const b = await clients.call('ecs', 'DescribeEipAddresses', {
        regionId: region,
        pageNumber,
        pageSize: PAGE,
      });
      return {
        items: (b.eipAddresses?.eipAddress ?? []).map((e) => ({
          id: e.allocationId ?? '',
          name: '',
          createdAt: e.allocationTime ?? '',
          status: e.status ?? '',
          instanceId: e.instanceId ?? '',
        })),
        total: b.totalCount ?? 0,
      };
    }),
  ]);
  return {
    instance,
    vpc,
    vswitch,
    'security-group': securityGroup,
    'key-pair': keyPair,
    eip,
  };
}
