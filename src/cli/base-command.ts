import { Command, Flags, type Interfaces } from '@oclif/core';
import { checkCloud } from '../config/cloud.ts';
import { colorEnabled, red, yellow } from './color.ts';
import { type Envelope, failureEnvelope, type JsonWarning, successEnvelope } from './envelope.ts';
import { reportError } from './report-error.ts';
import { dropWritesToClosedPipes } from './streams.ts';

/**
 * Every sindri command: shared flags, --json, and one place that turns results and errors into the
 * JSON envelope and exit codes (0 ok, 1 failed, 2 invalid input, 130 interrupted) without stack traces.
 */
export abstract class SindriCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    cloud: Flags.string({
      description: 'Cloud to work with (only alibaba is supported)',
      default: 'alibaba',
      helpGroup: 'GLOBAL',
    }),
    debug: Flags.boolean({
      description: 'Show debug output and stack traces (secrets are redacted)',
      default: false,
      helpGroup: 'GLOBAL',
    }),
    color: Flags.boolean({
      description: 'Colour failures and warnings on a terminal (--no-color or NO_COLOR=1 turns it off)',
      default: true,
      allowNo: true,
      helpGroup: 'GLOBAL',
    }),
  };

  /** Warnings of this run, for the envelope. */
  private readonly warnings: JsonWarning[] = [];

  override async init(): Promise<void> {
    await super.init();
    dropWritesToClosedPipes();
  }

  protected get debugEnabled(): boolean {
    return this.argv.includes('--debug') || process.env.SINDRI_DEBUG === '1';
  }

  /** The command as typed: `packer build`. */
  protected get commandName(): string {
    return (this.id ?? '').split(':').join(' ');
  }

  protected checkCloud(cloud: string): void {
    checkCloud(cloud);
  }

  /** Writes a line of progress or diagnostics to stderr (never stdout, so --json output stays clean). */
  protected info(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`);
  }

  /**
   * Writes what the person asked for to stdout (`sindri packer doctor > report.txt` keeps the report);
   * with --json the envelope carries it instead.
   */
  protected print(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Whether a stream is a terminal that shows colour (NO_COLOR, --no-color and FORCE_COLOR honoured). */
  protected colorOn(stream: NodeJS.WriteStream = process.stderr): boolean {
    return colorEnabled(stream, process.env, this.argv);
  }

  /** A warning: in the envelope with --json, else a `warning:` line on stderr. */
  protected warning(message: string, code?: string): void {
    this.warnings.push({ message, ...(code ? { code } : {}) });
    if (!this.jsonEnabled()) process.stderr.write(`${yellow('warning:', this.colorOn())} ${message}\n`);
  }

  override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  }

  protected override toSuccessJson(result: unknown): Envelope {
    return successEnvelope(this.commandName, result, this.warnings);
  }

  protected override async catch(err: Interfaces.CommandError): Promise<void> {
    const report = reportError(err, this.debugEnabled, this.commandName || undefined);
    process.exitCode = report.exitCode;
    if (this.jsonEnabled()) {
      this.logJson(failureEnvelope(this.commandName, report.error, report.result, this.warnings));
    } else {
      const text = report.text.replace(/^Error:/, (e) => red(e, this.colorOn()));
      process.stderr.write(`${text}\n`);
    }
    // Inside GitHub Actions, configuration problems also become ::error annotations on the files.
    if (process.env.GITHUB_ACTIONS === 'true') (await import('../ci/annotations.ts')).emitAnnotations(err);
  }
}

export type InferredFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof SindriCommand)['baseFlags'] & T['flags']
>;
