import type { TestSummary } from '../pipeline/record-summary.ts';
import { alignedLine, cellText, columnWidths } from './table.ts';

/**
 * The test stage's checks as an aligned table: result, check, where it comes from, seconds; then the
 * SBOM. With no checks there is no table, only the SBOM line (or nothing).
 */
export function testTable(test: TestSummary): string {
  const rows = test.checks.map((c) =>
    [c.passed ? '✓' : '✗', c.reason ? `${c.name}: ${c.reason}` : c.name, c.source, `${c.seconds}s`].map(
      cellText,
    ),
  );
  const all = [['', 'check', 'source', 'time'], ...rows];
  const widths = columnWidths(all, 4);
  const line = (r: string[]) => `  ${alignedLine(r, widths)}`;
  const sbom = test.sbom
    ? `\n  SBOM: ${test.sbom.packages} packages, ${test.sbom.digest} (${test.sbom.file})`
    : '';
  return test.checks.length === 0 ? sbom.slice(1) : `${all.map(line).join('\n')}${sbom}`;
}
