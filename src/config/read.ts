/**
 * Reading the configuration's bytes before any parsing: `-c -` (stdin), a path that is a directory or
 * a device, a file that cannot be read, one too large, or text that is not UTF-8 each get their own
 * problem, located at the file (not under a key) or at the offending byte.
 */
import { closeSync, createReadStream, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type ConfigProblem } from './errors.ts';
import { formatPath, parseYaml } from './yaml.ts';

/** The largest configuration sindri reads (1 MiB; the examples are about 5 KiB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** What `-c -` is called in problems. */
export const STDIN_NAME = '<stdin>';

function fail(problem: ConfigProblem): never {
  throw new ConfigError([problem]);
}

function tooLarge(shown: string, size: number | undefined): never {
  const what = size === undefined ? 'more than' : `${size} bytes,`;
  return fail({
    file: shown,
    path: '',
    message: `the configuration is ${what} over the ${MAX_CONFIG_BYTES / 1024 / 1024} MiB limit; nothing was parsed`,
    hint: 'a sindri.yaml is a few KiB: check that --config names the right file',
  });
}

/** The kind of a non-regular file, for the message. */
function kindOf(s: import('node:fs').Stats): string {
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Reads a stream (stdin, a pipe) until its end or until it passed `limit` bytes. */
async function readStream(stream: AsyncIterable<Buffer | string>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(b);
    total += b.length;
    if (total > limit) break;
  }
  return Buffer.concat(chunks);
}

/** Reads at most `limit + 1` bytes of a regular file. */
function readFileUpTo(fd: number, limit: number): Buffer {
  const buffer = Buffer.alloc(limit + 1);
  let total = 0;
  for (;;) {
    const n = readSync(fd, buffer, total, buffer.length - total, null);
    if (n === 0) break;
    total += n;
    if (total > limit) break;
  }
  return buffer.subarray(0, total);
}

/**
 * The text of the configuration at `file` (`-` for stdin), checked for size and encoding.
 * `shown` is the name problems use.
 */
export async function readConfigText(file: string, shown: string, explicit: boolean): Promise<string> {
  if (file === '-') {
    if (process.stdin.isTTY)
      fail({
        file: STDIN_NAME,
        path: '',
        message: '--config - reads the configuration from stdin, but stdin is a terminal',
        hint: 'pipe the configuration in (sindri … -c - < sindri.yaml), or pass --config FILE',
      });
    const bytes = await readStream(process.stdin, MAX_CONFIG_BYTES);
    process.stdin.destroy();
    if (bytes.length > MAX_CONFIG_BYTES) tooLarge(STDIN_NAME, undefined);
    return decode(bytes, STDIN_NAME);
  }
  if (!existsSync(file)) {
    fail({
      file: shown,
      path: '',
      message: `config file not found: ${file}`,
      hint: explicit
        ? 'check the path given to --config'
        : `run 'sindri init' to write one, copy sindri.example.yaml to ${shown}, or pass --config FILE`,
    });
  }
  let fd: number;
  try {
    const s = statSync(file);
    if (s.isDirectory()) {
      const inside = join(file, 'sindri.yaml');
      fail({
        file: shown,
        path: '',
        message: `${file} is a directory, not a configuration file`,
        hint: existsSync(inside)
          ? `pass the file: --config ${join(shown, 'sindri.yaml')}`
          : 'pass the YAML file itself',
      });
    }
    if (s.isFIFO()) {
      // A pipe: `--config <(generate-config)` or /dev/stdin.
      const bytes = await readStream(createReadStream(file), MAX_CONFIG_BYTES);
      if (bytes.length > MAX_CONFIG_BYTES) tooLarge(shown, undefined);
      return decode(bytes, shown);
    }
    if (!s.isFile()) {
      fail({
        file: shown,
        path: '',
        message: `${file} is ${kindOf(s)}, not a configuration file`,
        hint: 'pass a YAML file, or --config - to read the configuration from stdin',
      });
    }
    if (s.size > MAX_CONFIG_BYTES) tooLarge(shown, s.size);
    fd = openSync(file, 'r');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const e = err as NodeJS.ErrnoException;
    fail({
      file: shown,
      path: '',
      message:
        e.code === 'EACCES' || e.code === 'EPERM'
          ? `cannot read ${file}: permission denied`
          : `cannot read ${file}: ${e.code ?? e.message}`,
      hint:
        e.code === 'EACCES' || e.code === 'EPERM'
          ? `give your user read access (ls -l ${shown}; chmod u+r ${shown})`
          : 'check the file and the disk',
    });
  }
  try {
    // The size is checked again on what is read: the file may grow between stat and read.
    if (fstatSync(fd).size > MAX_CONFIG_BYTES) tooLarge(shown, fstatSync(fd).size);
    const bytes = readFileUpTo(fd, MAX_CONFIG_BYTES);
    if (bytes.length > MAX_CONFIG_BYTES) tooLarge(shown, undefined);
    return decode(bytes, shown);
  } finally {
    closeSync(fd);
  }
}

/** UTF-8 text (a UTF-8 byte-order mark dropped); any other encoding is a problem at its first bad byte. */
export function decode(bytes: Buffer, shown: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    fail({
      file: shown,
      line: 1,
      column: 1,
      path: '',
      message: 'the file is UTF-16 text; sindri reads UTF-8',
      hint: `save it as UTF-8 (iconv -f UTF-16 -t UTF-8 ${shown} > sindri.utf8.yaml)`,
    });
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  } catch {
    const at = firstInvalidByte(bytes);
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, at));
    const lines = before.split('\n');
    const byte = bytes[at] ?? 0;
    // The key the bad byte is under, from the text read leniently.
    const lenient = parseYaml(new TextDecoder('utf-8').decode(bytes));
    return fail({
      file: shown,
      line: lines.length,
      column: (lines[lines.length - 1]?.length ?? 0) + 1,
      path: formatPath(lenient.pathAt(before.length)),
      message: `byte 0x${byte.toString(16).padStart(2, '0')} is not UTF-8 text (the file looks like another encoding, such as Latin-1 or GBK)`,
      hint: `save the file as UTF-8 (e.g. iconv -f GBK -t UTF-8 ${shown})`,
    });
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidByte(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    const need =
      b < 0x80
        ? 0
        : b >= 0xc2 && b <= 0xdf
          ? 1
          : b >= 0xe0 && b <= 0xef
            ? 2
            : b >= 0xf0 && b <= 0xf4
              ? 3
              : -1;
    if (need < 0) return i;
    const seq = bytes.subarray(i, i + need + 1);
    if (seq.length < need + 1) return i;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(seq);
    } catch {
      return i;
    }
    i += need + 1;
  }
  return bytes.length;
}
