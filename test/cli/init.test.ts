/**
 * `sindri init`: interactive under a real pseudo-terminal (the account's regions, zones and instance
 * types offered through the emulator), non-interactive with flags and --yes (checked against the
 * account), never replacing a file without --force; what it writes validates.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parse } from 'yaml';
import { INIT_DEFAULTS, type InitAnswers, renderInitFile, SCHEMA_FILE } from '../../src/config/init-file.ts';
import { resolveConfig } from '../../src/config/load.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { isolatedEnv, jsonResult, runSindri, sindriBin } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';
import { ESCAPE, shellQuote as q, underTerminal } from '../helpers/terminal.ts';

describe('sindri init', () => {
  let emu: Emulator;
  let env: NodeJS.ProcessEnv;
  const dirs: string[] = [];
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'sindri-init-'));
    dirs.push(d);
    return d;
  };
  before(async () => {
    emu = await startEmulator();
    env = emulatorEnv(emu.url);
    delete env.CI;
  });
  after(async () => {
    await emu.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
  });

  it('--yes --offline writes a commented file with the schema line, which validates', async () => {
    const cwd = fresh();
    const r = await runSindri(['init', '--yes', '--offline', '--name', 'web-base'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '✓ wrote sindri.yaml\n  next: sindri packer validate\n');
    assert.match(r.stderr, /offering sindri's defaults, unchecked: --offline/);
    const text = readFileSync(join(cwd, 'sindri.yaml'), 'utf8');
    assert.equal(text.split('\n')[0], `# yaml-language-server: $schema=${SCHEMA_FILE}`);
    assert.ok(existsSync(SCHEMA_FILE));
    assert.ok(text.split('\n').filter((l) => /#/.test(l)).length > 15, 'commented');
    const doc = parse(text);
    assert.equal(doc.name, 'web-base');
    assert.equal(doc.providers.packer.alibaba.region, INIT_DEFAULTS.region);
    const v = await runSindri(['packer', 'validate', '--syntax-only'], { cwd });
    assert.equal(v.code, 0, v.stderr);
  });

  it('never replaces a file without --force (exit 2, nothing asked, file unchanged)', async () => {
    const cwd = fresh();
    writeFileSync(join(cwd, 'sindri.yaml'), 'mine\n');
    const r = await runSindri(['init', '--yes', '--offline'], { cwd });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /sindri\.yaml already exists; sindri init does not replace it/);
    assert.match(r.stderr, /fix: pass --force/);
    assert.equal(readFileSync(join(cwd, 'sindri.yaml'), 'utf8'), 'mine\n');
    const json = await runSindri(['init', '--yes', '--offline', '--json'], { cwd });
    assert.equal(JSON.parse(json.stdout).error.code, 'InvalidUsage');
    const forced = await runSindri(['init', '--yes', '--offline', '--force'], { cwd });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(readFileSync(join(cwd, 'sindri.yaml'), 'utf8'), /yaml-language-server/);
  });

  it('with credentials, flags are checked against the account: regions, zones, instance types on sale', async () => {
    const cwd = fresh();
    emu.admin.clearRequestLog();
    const bad = await runSindri(['init', '--yes', '--region', 'cn-shangai'], { cwd, env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--region cn-shangai: not a region of this account/);
    assert.match(bad.stderr, /fix: did you mean cn-shanghai\?/);
    // The emulator's first zone of cn-shanghai sells no ecs.g7.xlarge (test/emulator/catalog.ts).
    const notOnSale = await runSindri(
      [
        'init',
        '--yes',
        '--region',
        'cn-shanghai',
        '--zone',
        'cn-shanghai-b',
        '--instance-type',
        'ecs.g7.xlarge',
      ],
      { cwd, env },
    );
    assert.equal(notOnSale.code, 2);
    assert.match(notOnSale.stderr, /--instance-type ecs\.g7\.xlarge: not on sale in cn-shanghai-b/);
    assert.equal(existsSync(join(cwd, 'sindri.yaml')), false);
    const ok = await runSindri(
      [
        'init',
        '--yes',
        '--region',
        'cn-shanghai',
        '--zone',
        'cn-shanghai-e',
        '--instance-type',
        'ecs.g7.xlarge',
        '--json',
      ],
      { cwd, env },
    );
    const result = jsonResult<{ fromAccount: boolean; answers: InitAnswers }>(ok.stdout);
    assert.equal(result.fromAccount, true);
    assert.equal(result.answers.zoneId, 'cn-shanghai-e');
    for (const action of ['DescribeRegions', 'DescribeZones', 'DescribeAvailableResource'])
      assert.ok(emu.admin.requestLog({ action }).length > 0, action);
  });

  it('interactive, under a real terminal: the account’s choices, prompts on stderr, the file from the answers', async () => {
    const cwd = fresh();
    const run = await underTerminal(
      `cd ${q(cwd)} && ${q(process.execPath)} ${q(sindriBin)} init > out.txt; echo "RC=$?"`,
      { ...env, TERM: 'xterm' },
      {
        answers: [
          { when: /Image name/, type: 'web-base\r' },
          { when: /Extension profile/, type: '\r' },
          { when: /Region \(type to filter; \d+ in this account\)/, type: 'shanghai' },
          { when: /❯ cn-shanghai {2}China \(Shanghai\)\r?\n\r?\n/, type: '\r' },
          { when: /Zone of the build instance/, type: '\u001b[B' },
          { when: /❯ cn-shanghai-b/, type: '\r' },
          { when: /Build instance type/, type: 'r6' },
          { when: /\) r6\r?\n❯ ecs\.r6\.xlarge\r?\n\r?\n/, type: '\r' },
          { when: /System disk size/, type: '60\r' },
        ],
        timeoutMs: 60_000,
      },
    );
    const screen = run.screen.replace(ESCAPE, '');
    assert.match(screen, /RC=0/, screen.slice(-2000));
    assert.match(screen, /cn-shanghai-m/, 'the zones of the account were offered');
    const typesOffered = /Build instance type \(type to filter; (\d+) on sale in cn-shanghai-b\)/.exec(
      screen,
    );
    assert.ok(typesOffered, 'instance types of the chosen zone');
    assert.doesNotMatch(
      screen.slice(screen.indexOf('Build instance type')),
      /ecs\.g7\.xlarge/,
      'a type not on sale in the zone is not offered',
    );
    assert.equal(
      readFileSync(join(cwd, 'out.txt'), 'utf8'),
      '✓ wrote sindri.yaml\n  next: sindri packer validate\n',
    );
    const doc = parse(readFileSync(join(cwd, 'sindri.yaml'), 'utf8'));
    assert.equal(doc.name, 'web-base');
    assert.equal(doc.extensions.profile, INIT_DEFAULTS.profile);
    assert.deepEqual(
      {
        region: doc.providers.packer.alibaba.region,
        zone: doc.providers.packer.alibaba.zone_id,
        type: doc.providers.packer.alibaba.instance_type,
        disk: doc.providers.packer.alibaba.system_disk_size_gb,
      },
      { region: 'cn-shanghai', zone: 'cn-shanghai-b', type: 'ecs.r6.xlarge', disk: 60 },
    );
    const v = await runSindri(['packer', 'validate', '--syntax-only'], { cwd });
    assert.equal(v.code, 0, v.stderr);
  });

  it('Ctrl-C at a question writes nothing and exits 130', async () => {
    const cwd = fresh();
    const run = await underTerminal(
      `cd ${q(cwd)} && ${q(process.execPath)} ${q(sindriBin)} init --offline; echo "RC=$?"`,
      { ...isolatedEnv(), TERM: 'xterm' },
      { answers: [{ when: /Image name/, type: '\u0003' }] },
    );
    assert.match(run.screen.replace(ESCAPE, ''), /Stopped: nothing was written/);
    assert.match(run.screen, /RC=130/);
    assert.equal(existsSync(join(cwd, 'sindri.yaml')), false);
  });

  it('the commented private-build lines, uncommented, give a cloud-assistant build on a ranked list', () => {
    const answers: InitAnswers = { name: 'private', ...INIT_DEFAULTS };
    const text = renderInitFile(answers, SCHEMA_FILE)
      .split('\n')
      // The single type gives way to the ranked list below it.
      .filter((l) => !/^\s+instance_type: /.test(l))
      .map((l) => l.replace(/^(\s*)# (build:| {2}communicator:| {2}mirrors:|instance_type: \[)/, '$1$2'))
      .join('\n');
    const { config } = resolveConfig({ text, displayFile: 'x.yaml' });
    const p = config.providers.packer;
    assert.equal(p.build.communicator, 'cloud-assistant');
    assert.equal(p.build.mirrors, 'aliyun-intranet');
    assert.deepEqual(p.alibaba.instance_type, [INIT_DEFAULTS.instanceType, 'ecs.g7.xlarge']);
  });

  it('any answers render to a file that resolves to exactly those answers', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9._-]{1,40}$/);
    const region = fc.constantFrom('cn-hangzhou', 'cn-shanghai', 'ap-southeast-1', 'eu-central-1');
    fc.assert(
      fc.property(
        name,
        fc.constantFrom('minimal', 'fullstack', 'devops'),
        region,
        fc.option(fc.constantFrom('a', 'b', 'h'), { nil: undefined }),
        fc.constantFrom('ecs.g6.xlarge', 'ecs.g7.2xlarge', 'ecs.t6-c1m1.large'),
        fc.integer({ min: 20, max: 2048 }),
        (n, profile, r, zone, type, disk) => {
          const answers: InitAnswers = {
            name: n,
            profile,
            region: r,
            zoneId: zone ? `${r}-${zone}` : undefined,
            instanceType: type,
            diskSizeGb: disk,
          };
          const { config } = resolveConfig({
            text: renderInitFile(answers, SCHEMA_FILE),
            displayFile: 'x.yaml',
          });
          const a = config.providers.packer.alibaba;
          assert.equal(config.name, n);
          assert.equal(config.providers.packer.image_name, n);
          assert.equal(config.extensions?.profile, profile);
          assert.deepEqual(
            [a.region, a.zone_id, a.instance_type, a.system_disk_size_gb],
            [r, answers.zoneId, type, disk],
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
