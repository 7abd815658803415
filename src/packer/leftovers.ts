/**
 * What builds that died left in the cloud (for `sindri packer sweep` and `doctor`). A build's temporary resources are
 * found by its journal (`api-calls.jsonl`: what packer's calls created and did not delete) and by
 * their names (`sindri-<build ID>`); a build whose packer still runs on this machine is left alone,
 * and a named resource of a build this machine does not know is swept only once it is older than
 * `--older-than`, since another machine may still be building it. Nothing else is ever touched.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudClients } from '../cloud/index.ts';
import type { CloudSession } from '../cloud/session.ts';
import { listRegionResources, type RegionResources } from './leftover-list.ts';

export type LeftoverKind = 'instance' | 'eip' | 'vpc' | 'vswitch' | 'security-group' | 'key-pair';

export interface Leftover {
  kind: LeftoverKind;
  id: string;
  region: string;
  buildId: string | undefined;
  name: string;
  /** ISO 8601, as the API reports it. */
  createdAt: string;
  ageSeconds: number | undefined;
  /** What keeping it costs. */
  cost: string;
  foundBy: 'journal' | 'name' | 'network';
  /** Instance and EIP status; an EIP's instance. */
  status?: string;
  instanceId?: string;
}

export interface SweepPlan {
  leftovers: Leftover[];
  /** Builds left alone, and why. */
  skipped: Array<{ buildId: string; reason: string }>;
  regions: string[];
}

/**
 * `sindri-20261201-101500-3fa9c1`: the name packer gives a build's temporary resources;
 * `…-test` for the test stage's.
 */
export const BUILD_RESOURCE_NAME = /^sindri-(\d{8}-\d{6}-[0-9a-f]{6})(?:-test)?$/;

interface LocalBuild {
  buildId: string;
  running: boolean;
  pid?: number;
  /** What its journal says still exists: kind, ID, region. */
  open: Array<{ kind: LeftoverKind; id: string; region: string }>;
}

/** Whether the process is a packer that still runs (a reused PID of another program is not). */
function packerRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('packer');
  } catch {
    return true;
  }
}

/** The builds recorded under `<config dir>/.sindri/builds`, with what their journals leave open. */
export function localBuilds(configDir: string): LocalBuild[] {
  const root = join(configDir, '.sindri', 'builds');
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = join(root, d.name);
      const pidText = existsSync(join(dir, 'packer.pid'))
        ? readFileSync(join(dir, 'packer.pid'), 'utf8')
        : '';
      const pid = Number.parseInt(pidText, 10);
      const open = new Map<string, { kind: LeftoverKind; id: string; region: string }>();
      const journal = join(dir, 'api-calls.jsonl');
      const lines = existsSync(journal) ? readFileSync(journal, 'utf8').split('\n') : [];
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          const e = JSON.parse(line) as { event: string; kind: string; id: string; region: string };
          if (e.kind === 'image') continue;
          const key = `${e.kind}|${e.id}`;
          if (e.event === 'created')
            open.set(key, { kind: e.kind as LeftoverKind, id: e.id, region: e.region });
          else open.delete(key);
        } catch {
          // a line cut short by a crash: the names still find its resource
        }
      }
      return {
        buildId: d.name,
        running: Number.isInteger(pid) && pid > 0 && packerRuns(pid),
        ...(Number.isInteger(pid) && pid > 0 ? { pid } : {}),
        open: [...open.values()],
      };
    });
}

const COST: Record<LeftoverKind, string> = {
  instance: 'billed while it exists',
  eip: 'billed while it is allocated',
  vpc: 'free; counts against the VPC quota',
  vswitch: 'free; counts against the VSwitch quota',
  'security-group': 'free; counts against the security group quota',
  'key-pair': 'free',
};

function age(createdAt: string, now: number): number | undefined {
  const t = Date.parse(createdAt);
  return Number.isNaN(t) ? undefined : Math.max(0, Math.round((now - t) / 1000));
}

/** Picks one region's leftovers from what it holds. */
export function selectLeftovers(
  region: string,
  held: RegionResources,
  builds: ReadonlyMap<string, LocalBuild>,
  opts: { olderThanSeconds: number; now: number },
): Leftover[] {
  const journaled = new Map<string, string>();
  for (const b of builds.values())
    if (!b.running)
      for (const r of b.open) if (r.region === region) journaled.set(`${r.kind}|${r.id}`, b.buildId);
  const out: Leftover[] = [];
  const consider = (
    kind: LeftoverKind,
    r: RegionResources[keyof RegionResources][number],
    via?: Leftover,
  ) => {
    const ageSeconds = age(r.createdAt, opts.now);
    const named = BUILD_RESOURCE_NAME.exec(r.name)?.[1];
    const fromJournal = journaled.get(`${kind}|${r.id}`);
    const buildId = fromJournal ?? named ?? via?.buildId;
    if (buildId === undefined) return;
    const known = builds.get(buildId);
    if (known?.running) return;
    // A build no record here describes may still run elsewhere: only old enough resources go.
    if (!fromJournal && !known && !via && (ageSeconds ?? 0) < opts.olderThanSeconds) return;
    out.push({
      kind,
      id: r.id,
      region,
      buildId,
      name: r.name,
      createdAt: r.createdAt,
      ageSeconds,
      cost: COST[kind],
      foundBy: fromJournal ? 'journal' : named ? 'name' : 'network',
      ...(r.status ? { status: r.status } : {}),
      ...(r.instanceId ? { instanceId: r.instanceId } : {}),
    });
  };
  for (const kind of ['instance', 'vpc', 'vswitch', 'key-pair'] as const)
    for (const r of held[kind]) consider(kind, r);
  const vpcs = new Map(out.filter((l) => l.kind === 'vpc').map((l) => [l.id, l]));
  const instances = new Map(out.filter((l) => l.kind === 'instance').map((l) => [l.id, l]));
  // A security group in a build's VPC is the build's (packer 1.6.6 names none); so is an EIP on its instance.
  for (const r of held['security-group']) consider('security-group', r, vpcs.get(r.vpcId ?? ''));
  for (const r of held.eip) consider('eip', r, instances.get(r.instanceId ?? ''));
  return out;
}

export async function planSweep(opts: {
  session: CloudSession;
  configDir: string;
  regions: string[];
  olderThanSeconds: number;
  now?: number;
}): Promise<SweepPlan> {
  const builds = new Map(localBuilds(opts.configDir).map((b) => [b.buildId, b]));
  const regions = [
    ...new Set([...opts.regions, ...[...builds.values()].flatMap((b) => b.open.map((r) => r.region))]),
  ].filter(Boolean);
  const now = opts.now ?? Date.now();
  const perRegion = await Promise.all(
    regions.map(async (region) => {
      const clients: CloudClients = await opts.session.clients(region);
      return selectLeftovers(region, await listRegionResources(clients, region), builds, {
        olderThanSeconds: opts.olderThanSeconds,
        now,
      });
    }),
  );
  return {
    leftovers: perRegion.flat(),
    skipped: [...builds.values()]
      .filter((b) => b.running)
      .map((b) => ({ buildId: b.buildId, reason: `packer still runs (pid ${b.pid})` })),
    regions,
  };
}
