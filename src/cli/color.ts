/**
 * Colour for failures (red), warnings (yellow) and passes (green) on a terminal. Off when the stream
 * is not a terminal, TERM is dumb, NO_COLOR is set (https://no-color.org) or --no-color is given;
 * FORCE_COLOR=1 turns it on anywhere (and FORCE_COLOR=0 off).
 */
export function colorEnabled(
  stream: { isTTY?: boolean } = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = process.argv,
): boolean {
  if (argv.includes('--no-color')) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0';
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

const paint =
  (open: number, close: number) =>
  (text: string, on = true) =>
    on ? `\u001b[${open}m${text}\u001b[${close}m` : text;

export const red = paint(31, 39);
export const yellow = paint(33, 39);
export const green = paint(32, 39);
export const dim = paint(2, 22);
export const bold = paint(1, 22);
