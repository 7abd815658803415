import { dirname } from 'node:path';
import { toCloudError } from '../../cloud/errors.ts';
import { listRegionResources } from '../../packer/leftover-list.ts';
import { localBuilds, selectLeftovers } from '../../packer/leftovers.ts';
import { isForbidden, sessionOrSkip } from '../errors.ts';
import { type Check, CouldNotCheck } from '../types.ts';

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
    const held = await listRegionResources(clients, ctx.region).catch((err: unknown) => {
      const e = toCloudError(err);
      if (!isForbidden(e)) throw err;
      // The build itself needs none of these lookups: without them the check cannot run.
      throw new CouldNotCheck(
        `${e.deniedAction ?? 'a lookup'} is not allowed for this caller`,
        `allow it to let doctor look for leftovers; sindri packer sweep needs it too`,
      );
    });
    const found = selectLeftovers(ctx.region, held, builds, {
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
