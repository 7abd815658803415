import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The invalid sindri.yaml corpus: test/fixtures/config/invalid/*.yaml.
 *
 * Each file starts with one `# expect:` line per problem it must produce, then a comment saying what is wrong:
 *
 *     # expect: 7:5 providers.packer.alibaba.vswitch_id ~ vsw-
 *
 * `LINE:COLUMN` is the 1-based position sindri must report, then the key path (`(root)` for the document
 * itself), then optionally `~` and text that must appear in the message or the fix.
 */
export interface CorpusExpectation {
  line: number;
  column: number;
  path: string;
  contains?: string;
}

export interface CorpusCase {
  name: string;
  /** Absolute path of the fixture. */
  file: string;
  text: string;
  description: string;
  expects: CorpusExpectation[];
}

export const corpusDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'config', 'invalid');

const EXPECT = /^# expect: (\d+):(\d+) (\S+)(?: ~ (.+))?$/;

export function parseExpectations(text: string): { expects: CorpusExpectation[]; description: string } {
  const expects: CorpusExpectation[] = [];
  let description = '';
  for (const line of text.split('\n')) {
    const m = EXPECT.exec(line);
    if (m) {
      const [, l, c, path, contains] = m;
      expects.push({
        line: Number(l),
        column: Number(c),
        path: path === '(root)' ? '' : (path ?? ''),
        ...(contains ? { contains } : {}),
      });
      continue;
    }
    if (line.startsWith('# ')) description = line.slice(2);
    break;
  }
  return { expects, description };
}

export function readCorpus(dir: string = corpusDir): CorpusCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      const text = readFileSync(file, 'utf8');
      const { expects, description } = parseExpectations(text);
      if (expects.length === 0) throw new Error(`${file}: no "# expect:" line`);
      return { name: f.replace(/\.yaml$/, ''), file, text, description, expects };
    });
}
