/**
 * The ECS regions known without asking the API, and the one rule for judging a region name, shared by
 * `validate` (offline), the build's preflight and `doctor` (both against DescribeRegions).
 *
 * The list is the union of the public ECS 2014-05-26 API metadata (`endpoints` of
 * `data/ecs/2014-05-26/api-docs.php` in dew-serverless/acs-sdk-php, 2025-12) and terraform-provider-alicloud's
 * `alicloud/connectivity/regions.go` `ValidRegions` (its OSS-only aliases left out). Accounts see
 * different regions and new ones open, so the list only settles typos: DescribeRegions is the
 * authority whenever credentials are at hand (as packer-plugin-alicloud's `access_config.go`
 * `getSupportedRegions` does).
 */
import { didYouMean } from '../util/suggest.ts';

export const KNOWN_REGIONS: readonly string[] = [
  // Chinese mainland
  'cn-qingdao',
  'cn-beijing',
  'cn-zhangjiakou',
  'cn-huhehaote',
  'cn-wulanchabu',
  'cn-hangzhou',
  'cn-shanghai',
  'cn-nanjing',
  'cn-fuzhou',
  'cn-shenzhen',
  'cn-heyuan',
  'cn-guangzhou',
  'cn-chengdu',
  'cn-wuhan-lr',
  'cn-zhengzhou-jva',
  'cn-zhongwei',
  'cn-hongkong',
  // Asia Pacific
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ap-southeast-8',
  'ap-south-1',
  // Americas, Europe, Middle East
  'us-east-1',
  'us-west-1',
  'us-southeast-1',
  'na-south-1',
  'eu-west-1',
  'eu-central-1',
  'me-east-1',
  'me-central-1',
  'rus-west-1',
  // Finance and government clouds
  'cn-hangzhou-finance',
  'cn-shanghai-finance-1',
  'cn-shenzhen-finance-1',
  'cn-beijing-finance-1',
  'cn-heyuan-acdr-1',
  'cn-north-2-gov-1',
];

/**
 * What sindri makes of a region name without the API:
 * - `known`: in the list;
 * - `typo`: close to a listed region (`cn-shangai` → `cn-shanghai`), an error;
 * - `implausible`: not shaped like any region (`mars-north-1`), an error;
 * - `unlisted`: shaped like one (`ap-southeast-9`, `cn-xian`), a warning: DescribeRegions decides.
 */
export type OfflineVerdict =
  | { kind: 'known' }
  | { kind: 'typo'; suggestion: string }
  | { kind: 'implausible' }
  | { kind: 'unlisted' };

/** `ap-southeast-9` → `ap-southeast`: a numbered family (`-N` at the end). */
function numberedFamily(region: string): string | undefined {
  const m = /^([a-z]+-[a-z]+)-\d+$/.exec(region);
  return m?.[1];
}

const FAMILIES = new Set(KNOWN_REGIONS.map(numberedFamily).filter((f): f is string => f !== undefined));
/** Mainland and Hong Kong regions are named after a city: `cn-<city>[-<suffix>]`. */
const CITY_REGION = /^cn-[a-z]{3,}(-[a-z0-9]+)*$/;

export function judgeRegionOffline(region: string): OfflineVerdict {
  if (KNOWN_REGIONS.includes(region)) return { kind: 'known' };
  const family = numberedFamily(region);
  // Another number in a known family is a new region, not a typo (ap-southeast-9 next to -8).
  if (family !== undefined && FAMILIES.has(family)) return { kind: 'unlisted' };
  const suggestion = didYouMean(region, KNOWN_REGIONS);
  if (suggestion !== undefined) return { kind: 'typo', suggestion };
  return CITY_REGION.test(region) ? { kind: 'unlisted' } : { kind: 'implausible' };
}

export interface UnknownRegion {
  region: string;
  /** The closest region the account can use, when one is close. */
  suggestion?: string;
}

/** The regions of `wanted` that are not in `available` (DescribeRegions), each with a did-you-mean. */
export function unknownRegions(wanted: readonly string[], available: readonly string[]): UnknownRegion[] {
  return [...new Set(wanted)]
    .filter((r) => !available.includes(r))
    .map((region) => {
      const suggestion = didYouMean(region, available);
      return suggestion === undefined ? { region } : { region, suggestion };
    });
}

/** `cn-shangai (did you mean cn-shanghai?)`, for details and messages. */
export function describeUnknownRegion(u: UnknownRegion): string {
  return u.suggestion ? `${u.region} (did you mean ${u.suggestion}?)` : u.region;
}
