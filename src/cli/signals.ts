/**
 * Ctrl-C, SIGTERM and SIGHUP (a closed terminal, a dropped SSH session) abort the work in progress
 * through one AbortController, so each command stops at a safe point and says how to continue.
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface Interrupts {
  readonly signal: AbortSignal;
  /** Removes the handlers (call it when the work is done). */
  dispose(): void;
}

export function interruptOnSignals(onFirst?: (signal: NodeJS.Signals) => void): Interrupts {
  const controller = new AbortController();
  const handle = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    onFirst?.(sig);
    controller.abort(new Error(sig));
  };
  for (const sig of SIGNALS) process.on(sig, handle);
  return {
    signal: controller.signal,
    dispose() {
      for (const sig of SIGNALS) process.off(sig, handle);
    },
  };
}
