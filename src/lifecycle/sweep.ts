/** `sindri packer sweep`: find what dead builds left, show it, and delete it after confirmation. */
import { dirname } from 'node:path';
import { openWorkspace } from '../config/workspace.ts';
import { type DeleteTuning, deleteLeftovers, type SweepOutcome } from '../images/teardown.ts';
import { type Leftover, planSweep, type SweepPlan } from '../packer/leftovers.ts';

export interface RunSweepOptions {
  configPath?: string | undefined;
  region?: string | undefined;
  allRegions?: boolean;
  /** Resources of builds this machine has no record of are swept only past this age. */
  olderThanSeconds: number;
  dryRun: boolean;
  /** Asked once with the plan; false stops (nothing deleted). Not asked when there is nothing. */
  confirm?: (plan: SweepPlan) => Promise<boolean>;
  onProgress?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  now?: number;
  tuning?: DeleteTuning;
}

export interface SweepResult {
  regions: string[];
  found: Leftover[];
  skipped: SweepPlan['skipped'];
  dryRun: boolean;
  cancelled: boolean;
  outcomes: SweepOutcome[];
}

export async function runSweep(opts: RunSweepOptions): Promise<SweepResult> {
  const ws = await openWorkspace(opts);
  const configDir = ws.loaded ? dirname(ws.loaded.file) : (opts.cwd ?? process.cwd());
  const regions = opts.allRegions ? await ws.allRegions() : [ws.region];
  const plan = await planSweep({
    session: ws,
    configDir,
    regions,
    olderThanSeconds: opts.olderThanSeconds,
    ...(opts.now !== undefined ? { now: opts.now } : {}),
  });
  const base = { regions: plan.regions, found: plan.leftovers, skipped: plan.skipped, dryRun: opts.dryRun };
  if (opts.dryRun || plan.leftovers.length === 0) return { ...base, cancelled: false, outcomes: [] };
  if (opts.confirm && !(await opts.confirm(plan))) return { ...base, cancelled: true, outcomes: [] };
  const outcomes = await deleteLeftovers((r) => ws.clients(r), plan.leftovers, {
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.tuning ? { tuning: opts.tuning } : {}),
  });
  return { ...base, cancelled: false, outcomes };
}

function age(seconds: number | undefined): string {
  if (seconds === undefined) return '?';
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

/** The plan as lines a person reads: one per resource, with its age and what it costs. */
export function describeSweep(plan: Pick<SweepPlan, 'leftovers' | 'skipped'>): string[] {
  const lines = plan.leftovers.map(
    (l) =>
      `  ${l.region}  ${l.kind.padEnd(14)} ${l.id.padEnd(26)} build ${l.buildId ?? '?'}  ${age(l.ageSeconds).padStart(4)} old  ${l.status ? `${l.status}; ` : ''}${l.cost}`,
  );
  for (const s of plan.skipped) lines.push(`  (left alone: build ${s.buildId}: ${s.reason})`);
  return lines;
}

/** `6h`, `90m`, `2d`, `3600` (seconds) → seconds; undefined when it is none of those. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}
