/**
 * oclif's `command_not_found` hook: `sindri packer biuld` names what was typed with spaces (never
 * `packer:biuld`) and suggests the nearest command. A person at a terminal gets the standard
 * @oclif/plugin-not-found question ("Did you mean packer build?"); scripts, CI and --json get the
 * suggestion as an error (exit 2, an envelope with --json), so nothing runs that was not typed.
 */
import { type Hook, toConfiguredId } from '@oclif/core';
import { didYouMean } from '../config/suggest.ts';
import { ExitCode } from '../errors.ts';
import { failureEnvelope } from './envelope.ts';

const hook: Hook.CommandNotFound = async function (opts) {
  const config = opts.config;
  const visible = config.commands.filter((c) => !c.hidden);
  const ids = [...visible.map((c) => c.id), ...visible.flatMap((c) => c.aliases)];
  const typed = toConfiguredId(opts.id, config);
  const argv = opts.argv ?? [];
  const json = argv.includes('--json');
  const interactive =
    !json && process.stdin.isTTY === true && process.stderr.isTTY === true && !process.env.CI;
  if (interactive) {
    const { default: standard } = await import('@oclif/plugin-not-found');
    try {
      return await standard.call(this, opts);
    } catch (err) {
      // Declined: the plugin's own exit 127 becomes sindri's usage-error exit.
      process.exitCode = ExitCode.invalidInput;
      process.stderr.write(`${(err as Error).message.replace(/^Error: /, '')}\n`);
      return undefined;
    }
  }
  const guess = nearest(opts.id, ids);
  const topic = opts.id.split(':')[0] ?? '';
  const helpFor = config.findTopic(topic) ? `${config.bin} help ${topic}` : `${config.bin} help`;
  const message = `"${typed}" is not a ${config.bin} command.`;
  const actions = [
    ...(guess ? [`did you mean '${config.bin} ${toConfiguredId(guess, config)}'?`] : []),
    `see '${helpFor}' for the commands`,
  ];
  process.exitCode = ExitCode.invalidInput;
  if (json) {
    const error = {
      name: 'UsageError',
      code: 'CommandNotFound',
      message,
      exitCode: ExitCode.invalidInput,
      actions,
    };
    process.stdout.write(`${JSON.stringify(failureEnvelope(typed, error, undefined, []), null, 2)}\n`);
  } else {
    process.stderr.write(`Error: ${message}${actions.map((a) => `\n  fix: ${a}`).join('')}\n`);
  }
  return undefined;
};

/**
 * The command meant: a near spelling of the whole ID (`packer biuld`), else the one command whose
 * ID starts with what was typed (`packer bui`), else a near spelling of the last word alone
 * (`sindri biuld` → `packer build`).
 */
export function nearest(id: string, ids: readonly string[]): string | undefined {
  const whole = didYouMean(id, ids);
  if (whole) return whole;
  const started = ids.filter((c) => id.length >= 3 && c.startsWith(id));
  if (started.length === 1) return started[0];
  const last = (s: string) => s.split(':').pop() ?? s;
  const word = didYouMean(last(id), [...new Set(ids.map(last))]);
  const owners = word === undefined ? [] : ids.filter((c) => last(c) === word);
  return owners.length === 1 ? owners[0] : undefined;
}

export default hook;
