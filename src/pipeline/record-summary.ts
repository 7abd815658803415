/**
 * The summary of a build record: what every pipeline reports (the --json result's core), derived from
 * the record alone.
 */
import { join } from 'node:path';
import type { BaseImage } from '../images/ancestry.ts';
import {
  type BuildRecord,
  type BuildStatus,
  distributionErrors,
  finishedImages,
  type LaunchAttempt,
  type TestRecord,
  type UnsharedImage,
} from './record.ts';

export interface TestSummary {
  passed: boolean;
  checks: Array<{ name: string; source: string; passed: boolean; seconds: number; reason?: string }>;
  sbom?: { digest: string; packages: number; file: string };
}

export interface RegionOutcome {
  state: string;
  imageId?: string;
  encrypted?: boolean;
  kmsKeyId?: string;
  polls?: number;
  sharedWith?: string[];
  unshared?: string[];
  error?: string;
}

/** What every pipeline reports: where the image is, per region, and what its distribution did. */
export interface RecordSummary {
  buildId: string;
  name: string;
  region: string;
  imageId: string;
  status: BuildStatus;
  cached: boolean;
  images: Record<string, string>;
  regions: Record<string, RegionOutcome>;
  intermediate?: { imageId: string; deleted: boolean; note?: string };
  retention: Array<{
    region: string;
    imageId: string;
    name: string;
    action: string;
    reason?: string;
    /** Accounts the image stopped being shared with before retention deprecated or deleted it. */
    unshared?: string[];
    error?: string;
  }>;
  errors: string[];
  /** Images `--force` deleted to free the name. */
  replaced?: string[];
  /** Every image sindri stopped sharing in this run, and the accounts that lost access. */
  unshared?: UnsharedImage[];
  /** The test stage's verdict, each check (without its output) and the SBOM. */
  test?: TestSummary;
  /** The image family the images joined. */
  family?: string;
  /** The image the build started from. */
  base?: BaseImage;
  /** What the build instance ran on, and the launches that found no capacity before it. */
  placement?: { instanceType: string; zoneId: string; tried: LaunchAttempt[] };
  phases: Array<{ name: string; seconds: number }>;
  /** The record's file. */
  record: string;
}

function regionOutcomes(record: BuildRecord): Record<string, RegionOutcome> {
  const d = record.distribution;
  const out: Record<string, RegionOutcome> = {};
  const regions = [record.region, ...Object.keys(record.regions).filter((r) => r !== record.region)];
  for (const region of regions) {
    const entry = record.regions[region];
    const share = d?.shares?.[region];
    const base: RegionOutcome =
      entry !== undefined
        ? {
            state: entry.state,
            ...(entry.imageId ? { imageId: entry.imageId } : {}),
            ...(entry.encrypted ? { encrypted: true, kmsKeyId: entry.kmsKeyId ?? '' } : {}),
            ...(entry.polls !== undefined ? { polls: entry.polls } : {}),
            ...(entry.error ? { error: entry.error } : {}),
          }
        : { state: 'available', ...(record.imageId ? { imageId: record.imageId } : {}) };
    if (share) {
      base.sharedWith = share.accounts;
      if (share.removed.length > 0) base.unshared = share.removed;
      if (share.error) base.error = [base.error, `sharing: ${share.error}`].filter(Boolean).join('; ');
    }
    out[region] = base;
  }
  return out;
}

/** The replaced images and retention's, with the accounts that lost access to them. */
function unsharedIn(record: BuildRecord): { unshared?: UnsharedImage[] } {
  const fromRetention = (record.distribution?.retention?.actions ?? []).flatMap((a) =>
    a.unshared && a.unshared.length > 0
      ? [
          {
            region: a.region,
            imageId: a.imageId,
            accounts: a.unshared,
            reason: a.done ? `${a.action}d` : `${a.action} (not done)`,
          },
        ]
      : [],
  );
  const all = [...(record.unshared ?? []), ...fromRetention];
  return all.length > 0 ? { unshared: all } : {};
}

function testSummary(test: TestRecord | undefined): { test?: TestSummary } {
  if (test?.passed === undefined) return {};
  return {
    test: {
      passed: test.passed,
      checks: (test.results ?? []).map((r) => ({
        name: r.name,
        source: r.source,
        passed: r.passed,
        seconds: Math.round(r.durationMs / 100) / 10,
        ...(r.reason ? { reason: r.reason } : {}),
      })),
      ...(test.sbom ? { sbom: test.sbom } : {}),
    },
  };
}

export function summarize(record: BuildRecord, dir: string): RecordSummary {
  const d = record.distribution;
  return {
    buildId: record.buildId,
    name: record.imageName,
    region: record.region,
    imageId: record.imageId ?? '',
    status: record.status,
    cached: record.cached,
    images: finishedImages(record),
    regions: regionOutcomes(record),
    ...(d && (d.sourceImageId !== record.imageId || d.sourceKept)
      ? {
          intermediate: {
            imageId: d.sourceImageId,
            deleted: !!d.sourceDeleted,
            ...(d.sourceKept ? { note: d.sourceKept } : {}),
          },
        }
      : {}),
    retention: (d?.retention?.actions ?? []).map((x) => ({
      region: x.region,
      imageId: x.imageId,
      name: x.name,
      action: x.action,
      ...(x.reason ? { reason: x.reason } : {}),
      ...(x.unshared ? { unshared: x.unshared } : {}),
      ...(x.error ? { error: x.error } : {}),
    })),
    errors: distributionErrors(record),
    ...(record.replaced ? { replaced: record.replaced } : {}),
    ...unsharedIn(record),
    ...testSummary(record.test),
    ...(record.family ? { family: record.family.name } : {}),
    ...(record.base ? { base: record.base } : {}),
    ...(record.placement?.chosen
      ? { placement: { ...record.placement.chosen, tried: record.placement.attempts } }
      : record.placement && record.placement.attempts.length > 0
        ? { placement: { instanceType: '', zoneId: '', tried: record.placement.attempts } }
        : {}),
    phases: record.phases,
    record: join(dir, 'record.json'),
  };
}
