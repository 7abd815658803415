import { ExitCode, SindriError } from '../errors.ts';
import type { SupportFinding } from './support.ts';

/** The configuration asks for something the builder cannot do: exit 2, with each key path. */
export class RenderError extends SindriError {
  readonly findings: SupportFinding[];
  constructor(findings: SupportFinding[]) {
    const lines = findings.map((f) => `${f.path}: ${f.message}`);
    super(
      findings.length === 1
        ? `cannot render the Packer template: ${lines[0]}`
        : `cannot render the Packer template:\n  ${lines.join('\n  ')}`,
      { exitCode: ExitCode.invalidInput, code: 'UnsupportedConfiguration' },
    );
    this.name = 'RenderError';
    this.findings = findings;
  }
}
