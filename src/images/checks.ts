/**
 * The test stage's checks: each one a small shell script run on an instance of the new image, and
 * what its outcome must be. Pure: turning sindri.yaml's `tests` (and the extensions' own checks) into
 * scripts, and judging what they printed.
 */
import type { TestCheck, TestsConfig } from '../config/types.ts';

export interface CheckSpec {
  name: string;
  /** `config` (tests.checks) or `extension <name>` (tests.builtin). */
  source: string;
  script: string;
  timeoutSeconds: number;
  exitCode: number;
  stdout?: string;
  stderr?: string;
}

export interface CheckOutcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

export interface CheckResult extends CheckOutcome {
  name: string;
  source: string;
  passed: boolean;
  /** Why it failed, in one sentence. */
  reason?: string;
}

/** The test stage's verdict when nothing failed, worded for zero checks too. */
export function passedText(count: number): string {
  return count === 0
    ? 'no checks to run: none configured, and the installed extensions bring none'
    : `all ${count} check(s) passed`;
}

/** A shell word: single-quoted, quotes inside escaped. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

const fail = (message: string) => `{ echo ${shellQuote(message)}; exit 1; }`;

function fileScript(c: Extract<TestCheck, { file: string }>): string {
  const p = shellQuote(c.file);
  if (c.exists === false) return `[ ! -e ${p} ] || ${fail(`${c.file} exists`)}`;
  const lines = [`[ -e ${p} ] || ${fail(`${c.file} does not exist`)}`];
  if (c.mode !== undefined) {
    // stat prints 600, not 0600.
    const mode = c.mode.length === 4 && c.mode.startsWith('0') ? c.mode.slice(1) : c.mode;
    lines.push(
      `m=$(stat -c %a ${p}); [ "$m" = ${shellQuote(mode)} ] || { echo "${c.file} has mode $m, not ${mode}"; exit 1; }`,
    );
  }
  if (c.owner !== undefined)
    lines.push(
      `o=$(stat -c %U ${p}); [ "$o" = ${shellQuote(c.owner)} ] || { echo "${c.file} belongs to $o, not ${c.owner}"; exit 1; }`,
    );
  if (c.contains !== undefined)
    lines.push(
      `grep -Eq -- ${shellQuote(c.contains)} ${p} || ${fail(`no line of ${c.file} matches ${c.contains}`)}`,
    );
  return lines.join('\n');
}

/** The script and name of one configured check. */
function compile(c: TestCheck): { name: string; script: string } {
  if ('command' in c) return { name: c.command, script: c.command };
  if ('file' in c) return { name: `file ${c.file}`, script: fileScript(c) };
  if ('package' in c) {
    const n = shellQuote(c.package);
    return {
      name: `package ${c.package}`,
      script: `dpkg-query -W -f='\${Status}' ${n} 2>/dev/null | grep -q 'install ok installed' || rpm -q ${n} >/dev/null 2>&1 || ${fail(`${c.package} is not installed`)}`,
    };
  }
  if ('user' in c)
    return {
      name: `user ${c.user}`,
      script: `getent passwd ${shellQuote(c.user)} >/dev/null || ${fail(`no user ${c.user}`)}`,
    };
  if ('group' in c)
    return {
      name: `group ${c.group}`,
      script: `getent group ${shellQuote(c.group)} >/dev/null || ${fail(`no group ${c.group}`)}`,
    };
  if ('port' in c)
    return {
      name: `port ${c.port}`,
      script: `{ ss -ltnH 2>/dev/null || netstat -ltn 2>/dev/null; } | awk '{print $4}' | grep -Eq '[:.]${c.port}$' || ${fail(`nothing listens on port ${c.port}`)}`,
    };
  const s = shellQuote(c.service);
  return {
    name: `service ${c.service}`,
    script: `systemctl is-enabled ${s} >/dev/null 2>&1 || ls /etc/systemd/system/*.wants/${s}.service >/dev/null 2>&1 || ${fail(`${c.service} is not enabled`)}`,
  };
}

/** Every check of a build: the installed extensions' own, then the configured ones. */
export function compileChecks(
  tests: TestsConfig,
  extensionChecks: ReadonlyArray<[string, string]>,
): CheckSpec[] {
  const builtin: CheckSpec[] = tests.builtin
    ? extensionChecks.map(([extension, command]) => ({
        name: `${extension}: ${command}`,
        source: `extension ${extension}`,
        script: command,
        timeoutSeconds: tests.timeout_seconds,
        exitCode: 0,
      }))
    : [];
  const configured = tests.checks.map((c): CheckSpec => {
    const { name, script } = compile(c);
    return {
      name: c.name ?? name,
      source: 'config',
      script,
      timeoutSeconds: c.timeout_seconds ?? tests.timeout_seconds,
      exitCode: 'command' in c ? (c.exit_code ?? 0) : 0,
      ...('command' in c && c.stdout !== undefined ? { stdout: c.stdout } : {}),
      ...('command' in c && c.stderr !== undefined ? { stderr: c.stderr } : {}),
    };
  });
  return [...builtin, ...configured];
}

/** Judges what a check's script did against what it must do. */
export function judge(spec: CheckSpec, outcome: CheckOutcome): CheckResult {
  const base = { name: spec.name, source: spec.source, ...outcome };
  const reason = outcome.timedOut
    ? `did not finish within ${spec.timeoutSeconds} s`
    : outcome.exitCode !== spec.exitCode
      ? outcome.stdout.trim().split('\n').at(-1) || `exited ${outcome.exitCode}, not ${spec.exitCode}`
      : spec.stdout !== undefined && !new RegExp(spec.stdout, 'm').test(outcome.stdout)
        ? `its output does not match ${spec.stdout}`
        : spec.stderr !== undefined && !new RegExp(spec.stderr, 'm').test(outcome.stderr)
          ? `its error output does not match ${spec.stderr}`
          : undefined;
  return reason === undefined ? { ...base, passed: true } : { ...base, passed: false, reason };
}

const xml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);

/** The results as JUnit XML (one testsuite), for CI test reports. */
export function junitXml(suite: string, results: readonly CheckResult[]): string {
  const failures = results.filter((r) => !r.passed).length;
  const time = (ms: number) => (ms / 1000).toFixed(3);
  const total = results.reduce((t, r) => t + r.durationMs, 0);
  const cases = results.map((r) => {
    const head = `  <testcase classname="${xml(`${suite}.${r.source}`)}" name="${xml(r.name)}" time="${time(r.durationMs)}">`;
    const failure = r.passed
      ? ''
      : `\n    <failure message="${xml(r.reason ?? 'failed')}">${xml(`${r.stdout}${r.stderr}`)}</failure>`;
    return `${head}${failure}\n  </testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="${xml(suite)}" tests="${results.length}" failures="${failures}" time="${time(total)}">\n${cases.join('\n')}\n</testsuite>\n`;
}
