/** The end of every pipeline: the record closed and saved, the result, and a failed distribution's error. */
import { deniedActionHint, hintFor } from '../cloud/errors.ts';
import { SindriError } from '../errors.ts';
import { type PipelineContext, recordDir, saveState } from './context.ts';
import { type RecordSummary, summarize } from './record-summary.ts';

/** The actions RAM refused, from the errors a distribution recorded (`… (may not call ecs:CopyImage): …`). */
export function deniedActionsIn(errors: readonly string[]): string[] {
  return [
    ...new Set(
      errors.flatMap((e) => [...e.matchAll(/may not call ([\w-]+:\w+)/g)].map((m) => m[1] as string)),
    ),
  ];
}

/** The fixes for the API codes a distribution recorded (`cn-hangzhou: sharing failed: <Code>: …`). */
export function fixesIn(errors: readonly string[]): string[] {
  const codes = errors.flatMap((e) =>
    [...e.matchAll(/failed: ([A-Za-z][\w.]*): /g)].map((m) => m[1] as string),
  );
  return [...new Set(codes.flatMap((code) => hintFor(code)?.fix ?? []))];
}

/** Closes the record (phases, finish time), saves it and summarizes it. */
export async function closeRecord(ctx: PipelineContext): Promise<RecordSummary> {
  ctx.record.phases = ctx.progress.end();
  ctx.record.finishedAt = new Date(ctx.clock.now()).toISOString();
  await saveState(ctx);
  return summarize(ctx.record, recordDir(ctx));
}

/** The error of a distribution that failed in some region, carrying the result; undefined when none did. */
export function distributionFailure(summary: RecordSummary, result: unknown): SindriError | undefined {
  if (summary.errors.length === 0) return undefined;
  const denied = deniedActionsIn(summary.errors);
  return new SindriError(`distribution of ${summary.imageId} failed: ${summary.errors.join('; ')}`, {
    code: 'DistributionFailed',
    actions: [
      ...(denied.length > 0 ? [deniedActionHint(denied).fix] : []),
      ...fixesIn(summary.errors.filter((e) => !/may not call/.test(e))),
      `run the same command again to resume: finished regions are kept and not copied twice (record: ${summary.record})`,
    ],
    result,
  });
}

/**
 * How a build that made its image ends: the distribution's error when it failed (the same command
 * resumes it), naming too what was left behind; else the clean-up's (CleanupFailed); else none.
 */
export function buildFailure(
  distribution: SindriError | undefined,
  cleanup: SindriError | undefined,
): SindriError | undefined {
  if (!distribution || !cleanup) return distribution ?? cleanup;
  return new SindriError(`${distribution.message}\n  and ${cleanup.message}`, {
    code: distribution.code,
    actions: [...distribution.actions, ...cleanup.actions],
  });
}
