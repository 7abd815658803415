/**
 * What sindri made for a build (its own network, the test instance) and could not remove once the image
 * was built. The build goes on, and fails at its end with CleanupFailed (exit 1), as it does when packer
 * cannot remove its own (packer-failure.ts, cleanupError): each resource, the action RAM refused, sweep.
 */
import { deniedActionHint } from '../cloud/errors.ts';
import type { SweepOutcome } from '../images/teardown.ts';

/** "vswitch vsw-…: Forbidden.RAM: …", one per resource. */
export function leftoverLines(failed: readonly SweepOutcome[]): string[] {
  return failed.map((o) => `${o.kind} ${o.id}: ${o.error ?? 'not deleted'}`);
}

/** The sweep fix, after the RAM one when RAM refused a delete. */
export function leftoverActions(failed: readonly SweepOutcome[]): string[] {
  const denied = [...new Set(failed.flatMap((o) => (o.deniedAction ? [o.deniedAction] : [])))];
  return [
    ...(denied.length > 0 ? [deniedActionHint(denied).fix] : []),
    'run `sindri packer sweep` to delete them: it finds them by their tags and the build journal',
  ];
}
