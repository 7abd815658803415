/** `sindri packer list`. */
import { type CloudContext, openCloud } from './context.ts';
import { type ListResult, listImages } from './images.ts';

export interface RunListOptions {
  configPath?: string | undefined;
  region?: string | undefined;
  allRegions?: boolean;
  name?: string | undefined;
  concurrency?: number;
  onRegion?: (region: string, found: number, done: number, total: number) => void;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** The regions a command works on: `--all-regions`, else `--region`, else the default region. */
export async function targetRegions(
  ctx: CloudContext,
  opts: { region?: string | undefined; allRegions?: boolean },
): Promise<string[]> {
  if (opts.allRegions) return ctx.allRegions();
  return [opts.region ?? ctx.defaultRegion];
}

export async function runList(opts: RunListOptions): Promise<ListResult> {
  const ctx = await openCloud(opts);
  const regions = await targetRegions(ctx, opts);
  return listImages(ctx, {
    regions,
    name: opts.name,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    ...(opts.onRegion ? { onRegion: opts.onRegion } : {}),
  });
}
