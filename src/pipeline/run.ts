/**
 * Runs a pipeline: an ordered list of small steps over one context. Before each step the interrupt
 * signal is checked; after each the record is saved (once past the preflight), so a run that stops anywhere resumes from the
 * record. A step is idempotent against the record: run again, it finds its work done and moves on.
 * A step that makes something only for the run (the test stage's instance) has a cleanup, which runs
 * once the pipeline ends, however it ends, latest first, as packer's own steps clean up; a step that
 * reports the outcome (notify) settles after that.
 */
import { InterruptedError } from '../errors.ts';
import { type PipelineContext, saveState } from './context.ts';

export interface Step<C extends PipelineContext = PipelineContext> {
  readonly name: string;
  /** A reason to leave the step out this time (nothing to copy, a cache hit), or nothing to run it. */
  skip?(ctx: C): string | false | undefined;
  run(ctx: C): Promise<void>;
  /** What an interrupt during this step means for the user, and how to continue. */
  interrupted?: { message: string; fix?: string };
  /** Undoes what the step made for this run only; runs when the pipeline ends, even after a failure. */
  cleanup?(ctx: C): Promise<void>;
  /**
   * Told how the pipeline ended (`failure` undefined on success), after every clean-up and the last
   * save: for a step that reports the outcome. Its own errors are warnings.
   */
  settle?(ctx: C, failure: unknown): Promise<void>;
}

const DEFAULT_INTERRUPT = {
  message: 'interrupted; nothing is lost: the build record keeps what was done.',
  fix: 'run the same command again to continue',
};

export async function runSteps<C extends PipelineContext>(ctx: C, steps: readonly Step<C>[]): Promise<void> {
  const started: Step<C>[] = [];
  const settling: Step<C>[] = [];
  let failure: unknown;
  try {
    for (const step of steps) {
      if (ctx.signal.aborted) throw await interrupted(ctx, step);
      if (step.skip?.(ctx)) continue;
      if (step.cleanup) started.push(step);
      if (step.settle) settling.push(step);
      try {
        await step.run(ctx);
      } catch (err) {
        if (err instanceof InterruptedError || ctx.signal.aborted)
          throw await interrupted(ctx, step, err instanceof InterruptedError ? err : undefined);
        if (ctx.record.status !== 'preflight') {
          ctx.record.status = 'failed';
          await saveState(ctx);
        }
        throw err;
      }
      if (ctx.signal.aborted) throw await interrupted(ctx, step);
      if (ctx.record.status !== 'preflight') await saveState(ctx);
    }
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    for (const step of started.reverse()) {
      try {
        await step.cleanup?.(ctx);
      } catch (err) {
        ctx.warn(`${step.name}: clean-up failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (started.length > 0 && ctx.record.status !== 'preflight') await saveState(ctx);
    for (const step of settling) {
      try {
        await step.settle?.(ctx, failure);
      } catch (err) {
        ctx.warn(`${step.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

async function interrupted<C extends PipelineContext>(
  ctx: C,
  step: Step<C>,
  own?: InterruptedError,
): Promise<InterruptedError> {
  // Before the cache is decided nothing was made, and there is no record to keep.
  if (ctx.record.status !== 'preflight') {
    ctx.record.status = 'interrupted';
    await saveState(ctx);
  }
  if (own) return own;
  const { message, fix } = step.interrupted ?? DEFAULT_INTERRUPT;
  return new InterruptedError(message, fix);
}
