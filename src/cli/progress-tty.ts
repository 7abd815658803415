import { createProgress, PHASES, type Phase, type ProgressSink } from '../pipeline/progress.ts';

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
}

/**
 * Live phases on a terminal (stderr), drawn by listr2: one line per phase with its elapsed time and the
 * latest packer message under the running one. Timing comes from the plain sink, so --json and the
 * build record see the same figures either way.
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
  let current = -1;
  let closing: Promise<void> | undefined;

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
          step.started = Date.now();
          const finish = step.done;
          step.done = () => {
            if (step.skip) task.skip(`${TITLES[phase]} (not needed)`);
            else
              task.title = `${TITLES[phase]} (${((Date.now() - (step.started ?? Date.now())) / 1000).toFixed(1)}s)`;
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
  const running = list.run().catch(() => undefined);

  // Tasks start one after another; wait until the step object of a phase exists before finishing it.
  const settle = async (phase: Phase, skip: boolean) => {
    while (!steps.has(phase)) await new Promise((r) => setImmediate(r));
    const step = steps.get(phase) as Step;
    step.skip = skip;
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
        if (previous) chain = chain.then(() => settle(previous, false));
        for (let i = current + 1; i < index; i++) {
          const skipped = PHASES[i];
          if (skipped) chain = chain.then(() => settle(skipped, true));
        }
        current = index;
      }
      const active = PHASES[current];
      if (detail && active) outputs.get(active)?.(detail);
    },
    detail(text) {
      timing.detail(text);
      const active = PHASES[current];
      if (active) outputs.get(active)?.(text);
    },
    end() {
      return timing.end();
    },
    close() {
      closing ??= finish();
      return closing;
    },
  };

  async function finish(): Promise<void> {
    advanceTo(current + 1);
    for (let i = current; i < PHASES.length; i++) {
      const rest = PHASES[i];
      if (rest) chain = chain.then(() => settle(rest, true));
    }
    await chain;
    await running;
  }
}
