import {
  clock,
  createProgress,
  etaEstimator,
  PHASES,
  type Phase,
  type ProgressSink,
  percentText,
} from '../pipeline/progress.ts';

const TITLES: Record<Phase, string> = {
  preflight: 'Preflight: configuration, credentials, cache',
  network: 'Network: key pair, VPC, VSwitch, security group',
  launch: 'Launching the build instance',
  ssh: 'Waiting for SSH',
  provision: 'Provisioning',
  stop: 'Stopping the instance',
  image: 'Creating the image',
  cleanup: 'Cleaning up temporary resources',
  test: 'Testing an instance of the image',
  distribute: 'Copying and sharing',
};

interface Step {
  done: () => void;
  skip: boolean;
  started?: number;
  /** The phase that was running when the build failed or was interrupted. */
  stoppedHere?: boolean;
  /** Jumped over after an interrupt (packer went straight to cleaning up). */
  unreached?: boolean;
}

type Outcome = 'done' | 'failed' | 'interrupted';

/**
 * Live phases on a terminal (stderr), drawn by listr2: one line per phase with its elapsed time, the
 * running one also with the build's total time and, where the cloud reports it, a percentage and an
 * estimate of the time left; the latest packer message under it. After a failure or an interrupt the
 * phases not reached say so. Timing comes from the plain sink, so --json and the build record see the
 * same figures either way.
 */
export async function createTtyProgress(): Promise<ProgressSink> {
  const { DefaultRenderer, Listr, ListrLogger, ProcessOutput } = await import('listr2');
  // listr2 draws its live display only when *stdout* is a terminal, and otherwise falls back to a
  // renderer that logs to stdout. This one always draws, on stderr, so stdout stays the command's own.
  class StderrRenderer extends DefaultRenderer {
    static override nonTTY = true;
  }
  const logger = new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) });
  const timing = createProgress({ enabled: false });
  const steps = new Map<Phase, Step>();
  const outputs = new Map<Phase, (text: string) => void>();
  const titles = new Map<Phase, (text: string) => void>();
  const startedAt = Date.now();
  let current = -1;
  let closing: Promise<void> | undefined;
  let outcome: Outcome = 'done';
  let stopping = false;
  /** The phase running when the signal came. */
  let stoppedAt = -1;
  let shownPercent: { phase: Phase; text: string } | undefined;
  let eta = etaEstimator();
  const since = (t: number | undefined) => clock((Date.now() - (t ?? Date.now())) / 1000);
  // The running phase's title, redrawn every second: its own time, the total, a percentage.
  const running = () => {
    const phase = PHASES[current];
    const step = phase ? steps.get(phase) : undefined;
    if (!phase || !step || closing) return;
    const pct = shownPercent?.phase === phase ? `, ${shownPercent.text}` : '';
    const stop = stopping ? ', stopping' : '';
    titles.get(phase)?.(`${TITLES[phase]} (${since(step.started)}${pct}${stop}; total ${since(startedAt)})`);
  };
  const ticker = setInterval(running, 1000);
  ticker.unref();

  const list = new Listr(
    PHASES.map((phase) => ({
      title: TITLES[phase],
      task: (_ctx: unknown, task: { output: string; skip: (m?: string) => void; title: string }) =>
        new Promise<void>((resolve) => {
          const step: Step = { done: resolve, skip: false };
          steps.set(phase, step);
          outputs.set(phase, (text) => {
            task.output = text;
          });
          titles.set(phase, (text) => {
            task.title = text;
          });
          step.started = Date.now();
          const finish = step.done;
          step.done = () => {
            const took = `${((Date.now() - (step.started ?? Date.now())) / 1000).toFixed(1)}s`;
            if (!step.skip) task.title = `${TITLES[phase]} (${took})`;
            // Not reached because the build stopped is not the same as not needed.
            else if (step.stoppedHere)
              task.skip(
                `${TITLES[phase]} (${outcome === 'failed' ? 'failed' : 'interrupted'} after ${took})`,
              );
            else if (outcome === 'done' && !step.unreached) task.skip(`${TITLES[phase]} (not needed)`);
            else
              task.skip(
                `${TITLES[phase]} (not reached: ${outcome === 'failed' ? 'the build failed' : 'interrupted'})`,
              );
            finish();
          };
        }),
    })),
    {
      concurrent: false,
      exitOnError: false,
      registerSignalListeners: false,
      renderer: StderrRenderer,
      rendererOptions: { collapseSubtasks: false, showSkipMessage: true, logger },
    } as never,
  );
  const drawing = list.run().catch(() => undefined);

  // Tasks start one after another; wait until the step object of a phase exists before finishing it.
  const settle = async (phase: Phase, skip: boolean, why?: 'stopped' | 'unreached') => {
    while (!steps.has(phase)) await new Promise((r) => setImmediate(r));
    const step = steps.get(phase) as Step;
    step.skip = skip;
    if (skip && why === 'stopped') step.stoppedHere = true;
    if (skip && why === 'unreached') step.unreached = true;
    step.done();
  };
  let chain = Promise.resolve();
  const advanceTo = (index: number) => {
    for (let i = current; i < index; i++) {
      const phase = PHASES[i];
      if (i >= 0 && phase) chain = chain.then(() => settle(phase, false));
    }
    current = index;
  };

  return {
    phase(name, detail) {
      timing.phase(name, detail);
      const index = PHASES.indexOf(name);
      if (index > current) {
        // Tasks run in order: finish the running phase first, then mark the ones jumped over
        // (a cache hit skips the whole packer run) as skipped.
        const previous = PHASES[current];
        // After a signal, the phase that was running was cut short and those jumped over not reached.
        const cut = stopping && current === stoppedAt;
        const why = stopping ? 'unreached' : undefined;
        if (previous) chain = chain.then(() => settle(previous, cut, 'stopped'));
        for (let i = current + 1; i < index; i++) {
          const skipped = PHASES[i];
          if (skipped) chain = chain.then(() => settle(skipped, true, why));
        }
        current = index;
        eta = etaEstimator();
        running();
      }
      const active = PHASES[current];
      if (detail && active) outputs.get(active)?.(detail);
    },
    percent(phase, value, status) {
      timing.percent?.(phase, value, status);
      shownPercent = { phase, text: `${percentText(value, eta(value))} ${status}`.trim() };
      running();
    },
    interrupted() {
      stopping = true;
      stoppedAt = current;
      running();
    },
    detail(text) {
      timing.detail(text);
      const active = PHASES[current];
      if (active) outputs.get(active)?.(text);
    },
    end() {
      return timing.end();
    },
    close(how) {
      if (!closing) {
        outcome = how ?? (stopping ? 'interrupted' : 'done');
        clearInterval(ticker);
        closing = finish();
      }
      return closing;
    },
  };

  async function finish(): Promise<void> {
    const reached = PHASES[current];
    // The running phase finished when the build did, or when it began after the signal (packer's
    // clean-up runs to its end); otherwise it is marked where it stopped.
    if (outcome === 'done' || (outcome === 'interrupted' && stoppedAt >= 0 && current !== stoppedAt))
      advanceTo(current + 1);
    else if (reached) {
      chain = chain.then(() => settle(reached, true, 'stopped'));
      current += 1;
    }
    for (let i = current; i < PHASES.length; i++) {
      const rest = PHASES[i];
      if (rest) chain = chain.then(() => settle(rest, true));
    }
    await chain;
    await drawing;
  }
}
