import type { Check, CheckResult, CheckStatus } from './types.ts';

export const STATUS_MARK: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗', skip: '-' };

/**
 * A plain-text table for people: status, check, detail, and the fix under a failing or warning row.
 * `paint` colours a status mark (the CLI passes colour for a terminal).
 */
export function formatTable(
  results: readonly CheckResult[],
  checks: readonly Check[],
  paint: (status: CheckStatus, text: string) => string = (_s, t) => t,
): string {
  const title = (id: string) => checks.find((c) => c.id === id)?.title ?? id;
  const width = Math.max(...results.map((r) => title(r.id).length), 5);
  const lines = [`  ${'check'.padEnd(width)}  detail`];
  for (const r of results) {
    const detail = r.detail.replace(/\s*\n\s*/g, ' ');
    lines.push(`${paint(r.status, STATUS_MARK[r.status])} ${title(r.id).padEnd(width)}  ${detail}`);
    if (r.fix && (r.status === 'fail' || r.status === 'warn'))
      lines.push(`  ${' '.repeat(width)}  fix: ${r.fix}`);
  }
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  lines.push('');
  lines.push(
    `${count('pass')} passed, ${count('warn')} warning(s), ${count('fail')} failed, ${count('skip')} skipped`,
  );
  return lines.join('\n');
}
