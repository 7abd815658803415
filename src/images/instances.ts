/** Instances: the ones images are made from, and those that use an image. */
import type { CloudClients, RequestOf, ResponseOf } from '../cloud/index.ts';
import type { Limiter } from './limit.ts';

export type SdkInstance = NonNullable<
  NonNullable<ResponseOf<'ecs', 'DescribeInstances'>['instances']>['instance']
>[number];

/** The largest DescribeInstances page (`MaxResults`; SDK DescribeInstancesRequest.maxResults). */
export const MAX_INSTANCE_PAGE = 100;

type InstanceFilter = Omit<
  RequestOf<'ecs', 'DescribeInstances'>,
  'regionId' | 'nextToken' | 'maxResults' | 'pageNumber' | 'pageSize'
>;

export async function describeInstance(clients: CloudClients, region: string, instanceId: string) {
  const body = await clients.call('ecs', 'DescribeInstances', {
    regionId: region,
    instanceIds: JSON.stringify([instanceId]),
  });
  return body.instances?.instance?.find((i) => i.instanceId === instanceId);
}

/**
 * Every instance that matches `filter`, page by page with `NextToken`/`MaxResults`: PageNumber and
 * PageSize "are about to be deprecated" (SDK DescribeInstancesRequest.pageNumber). `maxResults` below
 * 10 counts as 10 there.
 */
export async function describeAllInstances(
  clients: CloudClients,
  region: string,
  filter: InstanceFilter = {},
  opts: { limit?: Limiter; maxResults?: number } = {},
): Promise<SdkInstance[]> {
  const out: SdkInstance[] = [];
  const seen = new Set<string>();
  let nextToken: string | undefined;
  do {
    const request = {
      ...filter,
      regionId: region,
      maxResults: opts.maxResults ?? MAX_INSTANCE_PAGE,
      ...(nextToken ? { nextToken } : {}),
    };
    const call = () => clients.call('ecs', 'DescribeInstances', request);
    const body = await (opts.limit ? opts.limit(call) : call());
    out.push(...(body.instances?.instance ?? []));
    // A token seen before would page forever: the answer is broken, stop there.
    nextToken = body.nextToken && !seen.has(body.nextToken) ? body.nextToken : undefined;
    if (nextToken) seen.add(nextToken);
  } while (nextToken);
  return out;
}
