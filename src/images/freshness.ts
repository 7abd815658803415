/**
 * Whether the image a build started from has a newer version: the newest Available image of its
 * family, or of the images whose names match the configured pattern, created after it.
 */
import type { CloudClients } from '../cloud/index.ts';
import { byCodeUnits } from '../util/order.ts';
import type { BaseImage } from './ancestry.ts';
import { MAX_PAGE_SIZE, nameMatcher, remainingPages, type SdkImage } from './images.ts';

export interface NewerImage {
  imageId: string;
  name: string | undefined;
  created: string;
  family: string | undefined;
  /** How it was found. */
  via: 'family' | 'pattern';
}

/** Every Available image (own, shared, public; marketplace too when asked) matching a filter, every page. */
async function available(
  clients: CloudClients,
  region: string,
  filter: { imageFamily?: string; imageName?: string; imageOwnerAlias?: string },
): Promise<SdkImage[]> {
  const page = (pageNumber: number) =>
    clients.call('ecs', 'DescribeImages', {
      regionId: region,
      status: 'Available',
      pageNumber,
      pageSize: MAX_PAGE_SIZE,
      ...filter,
    });
  const first = await page(1);
  const rest = await Promise.all(remainingPages(first.totalCount ?? 0, MAX_PAGE_SIZE).map(page));
  return [first, ...rest].flatMap((b) => (b.images?.image ?? []) as SdkImage[]);
}

/** The characters of a glob before its first wildcard: DescribeImages' ImageName is a fuzzy match on them. */
export function literalPrefix(pattern: string): string {
  const i = pattern.search(/[*?]/);
  return i < 0 ? pattern : pattern.slice(0, i);
}

const time = (iso: string | undefined) => {
  const t = Date.parse(iso ?? '');
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
};

/** The newest image created after `base` in its family or matching `pattern`; undefined when there is none. */
export async function newerBase(
  clients: CloudClients,
  region: string,
  base: BaseImage,
  opts: { family?: string | undefined; pattern?: string | undefined },
): Promise<NewerImage | undefined> {
  const found: NewerImage[] = [];
  if (opts.family) {
    for (const i of await available(clients, region, { imageFamily: opts.family }))
      found.push({
        imageId: i.imageId as string,
        name: i.imageName,
        created: i.creationTime ?? '',
        family: i.imageFamily,
        via: 'family',
      });
  }
  if (opts.pattern) {
    const matches = nameMatcher(opts.pattern);
    const prefix = literalPrefix(opts.pattern);
    for (const i of await available(clients, region, {
      ...(prefix ? { imageName: prefix } : {}),
      ...(base.ownerAlias ? { imageOwnerAlias: base.ownerAlias } : {}),
    }))
      if (matches(i.imageName ?? '') || matches(i.imageId ?? ''))
        found.push({
          imageId: i.imageId as string,
          name: i.imageName,
          created: i.creationTime ?? '',
          family: i.imageFamily || undefined,
          via: 'pattern',
        });
  }
  const after = time(base.created);
  return found
    .filter((i) => i.imageId && i.imageId !== base.imageId && time(i.created) > after)
    .sort((a, b) => time(b.created) - time(a.created) || byCodeUnits(a.imageId, b.imageId))[0];
}
