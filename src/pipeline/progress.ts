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
  /** Waits until the display has finished drawing (the terminal renderer draws asynchronously). */
  close?(): Promise<void>;
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
  let current: { name: Phase; started: number } | undefined;
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
      }
      if (opts.enabled && detail) write(`[${stamp()}] ${name.padEnd(10)} ${detail}`);
    },
    detail(text) {
      if (opts.enabled) write(`[${stamp()}] ${(current?.name ?? '').padEnd(10)} ${text}`);
    },
    end() {
      close();
      return phases;
    },
  };
}
