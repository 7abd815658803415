/**
 * Region rules of the configuration, checked offline (`validate` and every command that loads the
 * file): every region the image goes to (the build region and `image_copy_regions`) is judged against
 * the known region list (src/cloud/regions.ts), the rule `doctor` and the build's preflight apply
 * against DescribeRegions. A typo or a name no region has is an error; a region shaped like a real one
 * but not in the list is a warning, since accounts see different regions and new ones open.
 */
import { judgeRegionOffline } from '../cloud/regions.ts';
import type { Report } from './encryption-rules.ts';
import type { KeyPath } from './yaml.ts';

const ALIBABA = ['providers', 'packer', 'alibaba'];
/** The schema's `regionId` pattern: a value that fails it is reported by the schema, once. */
const REGION_ID = /^[a-z]{2,4}-[a-z]+(?:-[a-z0-9]+)*$/;

/** `cn-hangzhou-h` and `ap-southeast-1a` are zones of their regions; `cn-hangzhou-h` is not cn-hangzho's. */
export function zoneInRegion(zone: string, region: string): boolean {
  if (!zone.startsWith(region)) return false;
  const rest = zone.slice(region.length);
  return /^-[a-z0-9]+$/.test(rest) || (/\d$/.test(region) && /^[a-z]$/.test(rest));
}

function judge(region: string, path: KeyPath, report: Report, warn: Report): boolean {
  if (!REGION_ID.test(region)) return false;
  const verdict = judgeRegionOffline(region);
  switch (verdict.kind) {
    case 'known':
      return true;
    case 'typo':
      report(path, `unknown region "${region}"`, `did you mean "${verdict.suggestion}"?`);
      return false;
    case 'implausible':
      report(
        path,
        `"${region}" is not an Alibaba Cloud region ID`,
        'use a region ID such as cn-hangzhou or ap-southeast-1 (`aliyun ecs DescribeRegions` lists those of the account)',
      );
      return false;
    case 'unlisted':
      warn(
        path,
        `region "${region}" is not in sindri's list of ECS regions`,
        'if it is new, the build checks it with DescribeRegions before packer starts; `sindri packer doctor` checks it now',
      );
      return true;
  }
}

export function checkRegions(get: (path: KeyPath) => unknown, report: Report, warn: Report): void {
  const regionPath = [...ALIBABA, 'region'];
  const region = get(regionPath);
  const regionExists = typeof region === 'string' && judge(region, regionPath, report, warn);
  const copies = get([...ALIBABA, 'image_copy_regions']);
  if (Array.isArray(copies)) {
    copies.forEach((copy, i) => {
      if (typeof copy === 'string') judge(copy, [...ALIBABA, 'image_copy_regions', i], report, warn);
    });
  }

  const zone = get([...ALIBABA, 'zone_id']);
  if (typeof region === 'string' && typeof zone === 'string' && !zoneInRegion(zone, region)) {
    report(
      [...ALIBABA, 'zone_id'],
      `zone "${zone}" is not in the build region "${region}"`,
      // Never a zone name made up from a region that does not exist (nor a zone letter guessed).
      regionExists
        ? `use a zone of ${region} (\`aliyun ecs DescribeZones --RegionId ${region}\` lists them), or remove zone_id to let sindri choose`
        : 'fix the region first, then use one of its zones, or remove zone_id to let sindri choose',
    );
  }
}
