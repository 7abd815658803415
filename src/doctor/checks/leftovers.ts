import { dirname } from 'node:path';
import { listRegionResources } from '../../packer/leftover-list.ts';
import { localBuilds, selectLeftovers } from '../../packer/leftovers.ts';
import { sessionOrSkip } from '../errors.ts';
import type { Check } from '../types.ts';

/** Six hours: a build this machine does not know about may still be running elsewhere before that. */
const UNKNOWN_BUILD_AGE_SECONDS = 6 * 3600;

/** Temporary resources of builds that died (what `sindri packer sweep` would delete) cost money. */
export const leftovers: Check = {
  id: 'leftovers',
  title: 'leftovers of builds',
  needs: 'none',
  async run(ctx) {
    const { clients } = await sessionOrSkip(ctx);
    const builds = new Map(
      localBuilds(ctx.configFile ? dirname(ctx.configFile) : process.cwd()).map((b) => [b.buildId, b]),
    );
    const found = selectLeftovers(ctx.region, await listRegionResources(clients, ctx.region), builds, {
      olderThanSeconds: UNKNOWN_BUILD_AGE_SECONDS,
      now: Date.now(),
    });
    if (found.length === 0) return { status: 'pass', detail: `no leftovers of builds in ${ctx.region}` };
    const kinds = [...new Set(found.map((l) => l.kind))].join(', ');
    return {
      status: 'warn',
      detail: `${found.length} resource(s) left by builds that died in ${ctx.region} (${kinds}); they cost money while they exist`,
      fix: 'sindri packer sweep --dry-run shows them; sindri packer sweep deletes them',
    };
  },
};
