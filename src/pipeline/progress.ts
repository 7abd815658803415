/** Build phases, recognised from the alicloud-ecs builder's `ui` messages. */
export const PHASES = [
  'preflight',
  'network',
  'launch',
  'ssh',
  'provision',
  'stop',
  'image',
  'cleanup',
  'test',
  'distribute',
] as const;
export type Phase = (typeof PHASES)[number];

const RULES: Array<[RegExp, Phase]> = [
  [/Deleting|Releasing|Cleaning up|Detach|Unassociat/i, 'cleanup'],
  [/Creating instance|Allocat|eip|Starting instance|Attach/i, 'launch'],
  [/keypair|key pair|vpc|vswitch|security group/i, 'network'],
  [/Waiting for SSH|Connected to SSH|Using ssh communicator/i, 'ssh'],
  [/Provisioning with|Uploading/i, 'provision'],
  [/Stopping instance/i, 'stop'],
  [/Creating image|Waiting for image|image to be created|Adding tags|snapshot/i, 'image'],
];

export function phaseOf(message: string): Phase | undefined {
  for (const [pattern, phase] of RULES) if (pattern.test(message)) return phase;
  return undefined;
}

export interface ProgressSink {
  phase(name: Phase, detail?: string): void;
  detail(text: string): void;
  /** How far a long wait is (an image being created), where the cloud reports it. */
  percent?(phase: Phase, value: number, status: string): void;
  end(): Array<{ name: string; seconds: number }>;
  /**
   * Waits until the display has finished drawing (the terminal renderer draws asynchronously).
   * `failed` and `interrupted` label the phases not reached as such (not as "not needed").
   */
  close?(outcome?: 'done' | 'failed' | 'interrupted'): Promise<void>;
  /** A signal arrived: the running phase is being stopped. */
  interrupted?(): void;
}

/**
 * An estimate of the time left from percentages the cloud reports (an image being created, a copy, an
 * export): the rate since the first percentage seen. Undefined until the percentage has moved.
 */
export function etaEstimator(now: () => number = Date.now): (percent: number) => number | undefined {
  let first: { at: number; percent: number } | undefined;
  return (percent) => {
    const t = now();
    if (!first || percent < first.percent) first = { at: t, percent };
    const done = percent - first.percent;
    if (done <= 0 || percent >= 100) return percent >= 100 ? 0 : undefined;
    return (((t - first.at) / 1000) * (100 - percent)) / done;
  };
}

/** `75s` → `1m15s`, `3725s` → `1h02m`. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `45%, ETA 1m10s` (no ETA until it can be estimated). */
export function percentText(percent: number, eta: number | undefined): string {
  return `${Math.round(percent)}%${eta === undefined || percent >= 100 ? '' : `, ETA ${clock(eta)}`}`;
}

/**
 * Tracks phase durations and prints progress to stderr: plain timestamped lines (CI logs), or nothing
 * when the output must stay machine-readable.
 */
export function createProgress(opts: {
  write?: (line: string) => void;
  now?: () => number;
  enabled: boolean;
}): ProgressSink {
  const now = opts.now ?? Date.now;
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const phases: Array<{ name: string; seconds: number }> = [];
  const started = now();
  let current: { name: Phase; started: number } | undefined;
  let lastStep = -1;
  let eta = etaEstimator(now);
  const stamp = () => new Date(now()).toISOString().slice(11, 19);
  const close = () => {
    if (!current) return;
    const seconds = Math.round((now() - current.started) / 100) / 10;
    const existing = phases.find((p) => p.name === current?.name);
    if (existing) existing.seconds = Math.round((existing.seconds + seconds) * 10) / 10;
    else phases.push({ name: current.name, seconds });
    current = undefined;
  };
  return {
    phase(name, detail) {
      if (current?.name !== name) {
        close();
        current = { name, started: now() };
        lastStep = -1;
        eta = etaEstimator(now);
      }
      if (opts.enabled && detail) write(`[${stamp()}] ${name.padEnd(10)} ${detail}`);
    },
    detail(text) {
      if (opts.enabled) write(`[${stamp()}] ${(current?.name ?? '').padEnd(10)} ${text}`);
    },
    // A line every 10 %, with the estimate and the time since the build started.
    percent(phase, value, status) {
      const left = eta(value);
      const step = Math.floor(value / 10);
      if (!opts.enabled || step <= lastStep) return;
      lastStep = step;
      write(
        `[${stamp()}] ${phase.padEnd(10)} ${percentText(value, left)} ${status} (total ${clock((now() - started) / 1000)})`,
      );
    },
    end() {
      close();
      return phases;
    },
  };
}
