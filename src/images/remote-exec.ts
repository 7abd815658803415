/**
 * Running a check's shell script on an instance, however the instance is reached: over SSH
 * (ssh-exec.ts, directly or through a bastion) or through its Cloud Assistant agent (no address, no
 * inbound rule). The test stage sees only this interface.
 */
import type { CheckOutcome } from './checks.ts';
import { type AssistantTarget, runCommand, waitForAgent } from './cloud-assistant.ts';

export interface RemoteExec {
  /** Runs a shell script as the instance's admin; rejects only when the instance cannot be reached. */
  run(script: string, timeoutMs: number): Promise<CheckOutcome>;
  close(): void;
}

/** What a check may keep of its output (a chatty command must not fill the record). */
const MAX_OUTPUT = 64 * 1024;

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The script's stdout and stderr apart: Cloud Assistant returns one output, so the script's stderr
 * goes to a file that is printed after a marker line.
 */
export function separatedScript(script: string, marker: string): string {
  return [
    `err=$(mktemp)`,
    `sh -c ${quote(script)} 2>"$err"`,
    `code=$?`,
    `printf '\\n%s\\n' ${quote(marker)}`,
    `cat "$err"; rm -f "$err"`,
    `exit $code`,
  ].join('\n');
}

export function splitOutput(output: string, marker: string): { stdout: string; stderr: string } {
  const at = output.lastIndexOf(`\n${marker}\n`);
  if (at < 0) return { stdout: output, stderr: '' };
  return { stdout: output.slice(0, at), stderr: output.slice(at + marker.length + 2) };
}

/** Checks through Cloud Assistant, once the agent answers. */
export async function connectCloudAssistant(
  target: AssistantTarget,
  agentDeadlineMs: number,
): Promise<RemoteExec> {
  await waitForAgent(target, agentDeadlineMs);
  return {
    async run(script, timeoutMs) {
      const marker = `--sindri-stderr-${Math.random().toString(36).slice(2)}--`;
      const r = await runCommand(target, separatedScript(script, marker), {
        timeoutSeconds: Math.max(10, Math.ceil(timeoutMs / 1000)),
        name: 'sindri test check',
      });
      const { stdout, stderr } = splitOutput(r.output, marker);
      const note =
        r.errorCode && r.state !== 'Failed' ? `\n(Cloud Assistant: ${r.state} ${r.errorCode})` : '';
      return {
        exitCode: r.timedOut ? null : r.exitCode,
        stdout: stdout.slice(0, MAX_OUTPUT),
        stderr: `${stderr}${note}`.slice(0, MAX_OUTPUT),
        durationMs: r.durationMs,
        timedOut: r.timedOut,
      };
    },
    close() {},
  };
}
