/**
 * Where output goes and how tables look: results on stdout, progress and diagnostics on stderr; the
 * image table plain when piped, fitted to a terminal, with --columns, --sort, --no-header and
 * --output csv|json|yaml; colour only on a terminal, never with NO_COLOR or --no-color.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { fitWidths } from '../../src/cli/table.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { sindriBin } from '../helpers/cli.ts';
import { ESCAPE, shellQuote as q, underTerminal } from '../helpers/terminal.ts';
import { type CliSandbox, cliSandbox, seedImage, sindriTags } from '../lifecycle/helpers.ts';

/** A carriage return or an erase-line sequence: what follows is what the line shows. */
const ERASE = new RegExp(`\r|${String.fromCharCode(27)}\\[2K`);
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`);

let emu: Emulator;
let box: CliSandbox;
const NAMES = ['sindri-web-2024-01-30-very-long-name-for-testing', 'sindri-db', 'sindri-cache'];

before(async () => {
  emu = await startEmulator();
  box = await cliSandbox(emu);
  const start = emu.admin.world.now();
  NAMES.forEach((name, i) => {
    seedImage(emu, {
      region: 'cn-hangzhou',
      name,
      createdAt: start - (i + 1) * 3600_000,
      sizeGiB: [40, 20, 30][i] ?? 20,
      tags: sindriTags(`out${i}`),
    });
  });
  seedImage(emu, { region: 'cn-shanghai', name: 'sindri-sh', tags: sindriTags('outsh') });
});
after(async () => {
  await box.dispose();
  await emu.stop();
});

const list = (...args: string[]) => box.run(['packer', 'list', '--region', 'cn-hangzhou', ...args]);

describe('packer list output', () => {
  it('piped: a plain aligned table on stdout (no box, nothing cut, no colour), the count on stderr', async () => {
    const r = await list();
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^IMAGE ID {2,}NAME {2,}REGION/);
    assert.equal(lines.length, NAMES.length + 1);
    for (const name of NAMES) assert.ok(r.stdout.includes(name), `${name} in full`);
    assert.doesNotMatch(r.stdout, /[│┌─┐└┘]|…/);
    assert.doesNotMatch(r.stdout, COLOUR);
    assert.equal(r.stderr, '3 sindri image(s) in cn-hangzhou\n');
    // Columns line up: every row's NAME starts where the header's does.
    const at = (lines[0] ?? '').indexOf('NAME');
    for (const line of lines.slice(1)) assert.match(line.slice(at), /^sindri-/);
  });

  it('--columns picks and orders columns, --sort orders rows (a leading - descends), --no-header drops it', async () => {
    const r = await list('--columns', 'name,size', '--sort', '-size', '--no-header');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(/\s{2,}/)),
      [
        [NAMES[0], '40 GiB'],
        [NAMES[2], '30 GiB'],
        [NAMES[1], '20 GiB'],
      ],
    );
    const byName = await list('--columns', 'NAME', '--sort', 'name');
    assert.deepEqual(byName.stdout.trimEnd().split('\n'), ['NAME', ...[...NAMES].sort()]);
  });

  it('an unknown column is a usage error (exit 2) naming the columns, before any cloud call', async () => {
    emu.admin.clearRequestLog();
    for (const args of [
      ['--columns', 'name,colour'],
      ['--sort', 'weight'],
    ]) {
      const r = await list(...args);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /no column "(colour|weight)"/);
      assert.match(r.stderr, /image-id, name, region/);
    }
    assert.equal(emu.admin.requestLog({ action: 'DescribeImages' }).length, 0);
  });

  it('--output csv, json and yaml carry the raw values of the chosen columns', async () => {
    const csv = await list('--output', 'csv', '--columns', 'image-id,name,created,size,encrypted');
    assert.equal(csv.code, 0, csv.stderr);
    const rows = csv.stdout.trimEnd().split('\r\n');
    assert.equal(rows[0], 'image-id,name,created,size,encrypted');
    assert.equal(rows.length, NAMES.length + 1);
    assert.match(rows[1] ?? '', /^m-\w+,sindri-[\w-]+,\d{4}-\d\d-\d\dT[\d:]+Z,\d+,false$/);

    const json = await list('--output', 'json', '--columns', 'name,size');
    const parsed = JSON.parse(json.stdout) as Array<{ name: string; size: number }>;
    assert.deepEqual(parsed.map((p) => p.name).sort(), [...NAMES].sort());
    assert.ok(parsed.every((p) => typeof p.size === 'number'));

    const yaml = await list('--output', 'yaml', '--columns', 'name,size', '--sort', 'size');
    assert.deepEqual(
      parseYaml(yaml.stdout),
      [...parsed].sort((a, b) => a.size - b.size),
    );

    const none = await box.run(['packer', 'list', '--region', 'cn-beijing', '--output', 'json']);
    assert.equal(none.stdout, '[]\n', 'an empty listing is still one document');
  });

  it('--json stays the envelope, whatever --output says', async () => {
    const r = await list('--json', '--output', 'csv');
    const envelope = JSON.parse(r.stdout);
    assert.equal(envelope.result.count, NAMES.length);
  });

  it('on a terminal: fitted to its width (long names cut with …), headings in bold unless NO_COLOR or --no-color', async () => {
    const cmd = (extra: string) =>
      `${q(process.execPath)} ${q(sindriBin)} packer list --region cn-hangzhou ${extra} 2>/dev/null`;
    const env = { ...box.env, TERM: 'xterm' };
    const narrow = await underTerminal(cmd(''), env, { cols: 80 });
    const lines = narrow.screen.replace(ESCAPE, '').trimEnd().split(/\r?\n/);
    assert.equal(lines.length, NAMES.length + 1, narrow.screen);
    for (const line of lines) assert.ok(line.length <= 80, `fits 80 columns: ${line.length}`);
    assert.match(narrow.screen, /…/);
    assert.match(narrow.screen, COLOUR, 'bold headings on a terminal');
    for (const [extra, extraEnv] of [
      ['--no-color', {}],
      ['', { NO_COLOR: '1' }],
    ] as const) {
      const plain = await underTerminal(cmd(extra), { ...env, ...extraEnv }, { cols: 80 });
      assert.doesNotMatch(plain.screen, COLOUR, `${extra} ${JSON.stringify(extraEnv)}`);
    }
  });

  it('--all-regions on a terminal leaves no line per region on the screen', async () => {
    const r = await underTerminal(
      `${q(process.execPath)} ${q(sindriBin)} packer list --all-regions >/dev/null; echo "RC=$?"`,
      { ...box.env, TERM: 'xterm' },
    );
    assert.match(r.screen, /RC=0/, r.screen);
    // What stays visible: each line as the terminal shows it after carriage returns and erasures.
    const visible = r.screen
      .replace(/\r\n/g, '\n')
      .split('\n')
      .map((line) => (line.split(ERASE).pop() ?? '').replace(ESCAPE, '').trim())
      .filter((line) => line !== '');
    assert.match(r.screen, /searched \d+\/\d+ regions/, 'progress was drawn');
    assert.equal(visible.length, 2, visible.join('\n'));
    assert.match(visible[0] ?? '', new RegExp(`^${NAMES.length + 1} sindri image\\(s\\) in \\d+ regions$`));
    assert.equal(visible[1], 'RC=0');
  });
});

describe('results on stdout, diagnostics on stderr', () => {
  it('doctor: the report is on stdout (doctor > report.txt keeps it), the verdict on stderr', async () => {
    const r = await box.run(['packer', 'doctor', '--region', 'cn-nowhere-1']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /✗ region\s+unknown region: cn-nowhere-1/);
    assert.match(r.stdout, /\d+ passed, \d+ warning\(s\), \d+ failed, \d+ skipped/);
    assert.match(r.stderr, /check\(s\) failed/);
    assert.doesNotMatch(r.stderr, /passed, .* skipped/);
  });

  it('validate: the verdict is on stdout', async () => {
    const config = join(box.cwd, 'sindri.yaml');
    const text = readFileSync(new URL('../fixtures/config/guide-basic.yaml', import.meta.url), 'utf8');
    (await import('node:fs')).writeFileSync(config, text);
    const r = await box.run(['packer', 'validate', '--syntax-only']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /✓ .*sindri\.yaml: configuration is valid/);
    assert.match(r.stdout, /✓ rendered template passes packer validate -syntax-only/);
    assert.equal(r.stderr, '');
  });
});

describe('fitWidths', () => {
  it('never exceeds the width while any column is above its minimum, and never grows a column', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 80 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 20, max: 240 }),
        (natural, width) => {
          const fitted = fitWidths(natural, width);
          const total = fitted.reduce((a, b) => a + b, 0) + 2 * (fitted.length - 1);
          fitted.forEach((w, i) => {
            assert.ok(w <= (natural[i] ?? 0));
            assert.ok(w >= Math.min(6, natural[i] ?? 0));
          });
          if (total > width) assert.ok(fitted.every((w) => w <= 6));
        },
      ),
    );
  });
});
