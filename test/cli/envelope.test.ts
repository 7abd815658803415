/**
 * The machine interface: every command, with --json, prints one envelope of
 * schemas/output.schema.json, on success and on failure (runSindri checks the schema on every run).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { assertEnvelope, repoRoot, runSindri } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';

const CONFIG = `version: "1.0"
name: envelope
providers:
  packer:
    cloud: alibaba
    image_name: envelope-test
    alibaba:
      region: cn-hangzhou
`;

/** A run of each command: [command words, arguments, expected status]. */
const RUNS: Array<{ command: string; args: string[]; status: number }> = [
  { command: 'packer validate', args: ['--syntax-only'], status: 0 },
  { command: 'packer validate', args: ['--config', 'missing.yaml'], status: 2 },
  { command: 'packer template', args: ['--out', '-'], status: 0 },
  { command: 'packer build', args: ['--dry-run'], status: 0 },
  { command: 'packer build', args: ['--on-error', 'explode'], status: 2 },
  { command: 'packer doctor', args: ['--print-policy'], status: 0 },
  { command: 'packer list', args: [], status: 0 },
  { command: 'packer delete', args: ['m-doesnotexist0001', '--yes'], status: 1 },
  { command: 'packer deploy', args: ['m-doesnotexist0001'], status: 2 },
  {
    command: 'packer deploy',
    args: ['m-doesnotexist0001', '--vswitch-id', 'vsw-example', '--security-group-id', 'sg-example'],
    status: 1,
  },
  { command: 'packer distribute', args: ['--image', 'm-doesnotexist0001'], status: 1 },
  { command: 'packer distribute', args: ['--image', 'not-an-image'], status: 2 },
  { command: 'packer capture', args: ['i-doesnotexist0001'], status: 1 },
  {
    command: 'packer export',
    args: ['m-doesnotexist0001', '--to', 'oss://bucket-example/exports'],
    status: 1,
  },
  {
    command: 'packer export',
    args: ['m-doesnotexist0001', '--to', 'oss://bucket-example/exports/'],
    status: 2,
  },
  { command: 'packer ci github', args: ['--out', '-'], status: 0 },
  { command: 'packer test', args: ['m-doesnotexist0001'], status: 1 },
  { command: 'packer test', args: ['i-notanimage0001'], status: 2 },
  { command: 'packer sweep', args: ['--dry-run'], status: 0 },
  { command: 'packer sweep', args: ['--older-than', 'soon'], status: 2 },
  { command: 'version', args: [], status: 0 },
  { command: 'packer config', args: [], status: 0 },
  { command: 'init', args: ['--yes', '--out', 'init-envelope.yaml'], status: 0 },
  { command: 'init', args: ['--yes', '--out', 'sindri.yaml'], status: 2 },
];

describe('--json envelope of every command', () => {
  let emu: Emulator;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  before(async () => {
    emu = await startEmulator();
    env = emulatorEnv(emu.url);
    dir = mkdtempSync(join(tmpdir(), 'sindri-envelope-'));
    writeFileSync(join(dir, 'sindri.yaml'), CONFIG);
  });
  after(async () => {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
  });

  it('every command of the manifest is exercised here', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, unknown>;
    };
    const commands = Object.keys(manifest.commands).map((id) => id.split(':').join(' '));
    assert.deepEqual([...new Set(RUNS.map((r) => r.command))].sort(), commands.sort());
  });

  for (const run of RUNS) {
    it(`${run.command} ${run.args.join(' ')} → status ${run.status}`, async () => {
      const r = await runSindri([...run.command.split(' '), ...run.args, '--json'], { cwd: dir, env });
      assert.equal(r.code, run.status, r.stderr);
      const envelope = assertEnvelope(r.stdout);
      assert.equal(envelope.status, run.status);
      assert.equal(envelope.command, run.command);
      if (run.status === 0) assert.ok(envelope.result !== undefined);
      else assert.ok(envelope.error && envelope.error.actions.length > 0, JSON.stringify(envelope.error));
    });
  }

  it('the schema refuses what is not an envelope', () => {
    for (const bad of [
      '{}',
      '{"status":0,"command":"x","warnings":[]}',
      '{"status":1,"command":"x","warnings":[]}',
      '{"status":0,"command":"x","result":{},"warnings":[],"error":{"name":"E","code":"C","message":"m","exitCode":1,"actions":[]}}',
      '[1]',
      '{"status":0,"command":"x","result":1,"warnings":[]}\n{"status":0}',
    ])
      assert.throws(() => assertEnvelope(bad), bad);
  });
});
