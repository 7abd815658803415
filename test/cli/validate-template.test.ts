import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isolatedEnv, jsonResult, repoRoot, runSindri, STACK_TRACE } from '../helpers/cli.ts';

const configs = [
  'sindri.example.yaml',
  'test/fixtures/config/guide-basic.yaml',
  'test/fixtures/config/guide-production-kms.yaml',
  'test/fixtures/config/guide-multi-region.yaml',
  'test/fixtures/config/guide-cost-optimized.yaml',
];

describe('sindri packer validate', () => {
  for (const config of configs) {
    it(`passes the real packer validate for ${config}`, async () => {
      const result = await runSindri(['packer', 'validate', '--config', config, '--json']);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const out = jsonResult(result.stdout) as {
        valid: boolean;
        packer: { version: string };
        configHash: string;
      };
      assert.equal(out.valid, true);
      assert.match(out.packer.version, /^\d+\.\d+\.\d+/);
      assert.match(out.configHash, /^[0-9a-f]{64}$/);
    });
  }

  it("refuses the guide's production configuration (encrypted with the service key, shared) with exit 2 at line 40", async () => {
    const config = 'test/fixtures/config/guide-production.yaml';
    const result = await runSindri(['packer', 'validate', '--config', config, '--json']);
    assert.equal(result.code, 2, result.stderr);
    const error = JSON.parse(result.stdout).error as {
      code: string;
      problems: Array<{ line: number; path: string; hint: string }>;
    };
    assert.equal(error.code, 'InvalidConfig');
    assert.deepEqual(
      error.problems.map((p) => [p.line, p.path]),
      [[40, 'providers.packer.alibaba.image_encrypted']],
    );
    assert.match(error.problems[0]?.hint ?? '', /kms_key_ids/);
    const human = await runSindri(['packer', 'validate', '--config', config]);
    assert.equal(human.code, 2);
    assert.match(human.stderr, new RegExp(`${config}:40:24 .*image_encrypted .*cannot be shared`));
    assert.match(human.stderr, /fix: set kms_key_ids/);
  });

  it('exits 1 with install instructions when packer is not on PATH', async () => {
    const result = await runSindri(['packer', 'validate', '--config', 'sindri.example.yaml'], {
      env: isolatedEnv({ PATH: join(repoRoot, 'node_modules', '.bin') }),
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /packer was not found on PATH/);
    assert.match(result.stderr, /apt-get install/);
    assert.doesNotMatch(result.stderr, STACK_TRACE);
  });

  it('applies flags over the file: a bad --region is reported against the flag with exit 2', async () => {
    const result = await runSindri([
      'packer',
      'validate',
      '--config',
      'sindri.example.yaml',
      '--region',
      'mars-1',
    ]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--region/);
  });
});

describe('sindri packer template', () => {
  const made: string[] = [];
  after(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });

  it('writes the template and scripts into a private directory, never a credential', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sindri-template-')), 'build');
    made.push(out);
    const secret = 'canary-template-secret-83jd92';
    const result = await runSindri(['packer', 'template', '--config', 'sindri.example.yaml', '--out', out], {
      env: isolatedEnv({ ALICLOUD_ACCESS_KEY: 'LTAI-FAKE-CANARY-TEMPLATE', ALICLOUD_SECRET_KEY: secret }),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), out);
    assert.equal(statSync(out).mode & 0o777, 0o700);
    const files = readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    assert.ok(files.some((f) => f.name === 'sindri.pkr.hcl'));
    for (const f of files) {
      const path = join(f.parentPath, f.name);
      assert.equal(statSync(path).mode & 0o077, 0, `${path} is readable by others`);
      const text = (await import('node:fs')).readFileSync(path, 'utf8');
      assert.ok(
        !text.includes(secret) && !text.includes('LTAI-FAKE-CANARY-TEMPLATE'),
        `${path} holds a credential`,
      );
    }
  });

  it('prints the HCL to stdout with --out -', async () => {
    const result = await runSindri([
      'packer',
      'template',
      '--config',
      'test/fixtures/config/guide-basic.yaml',
      '--out',
      '-',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /source "alicloud-ecs" "sindri" \{/);
    assert.match(result.stdout, /instance_type\s+= "ecs\.g6\.xlarge"/);
  });

  it('writes into a new private temporary directory by default', async () => {
    const result = await runSindri([
      'packer',
      'template',
      '--config',
      'test/fixtures/config/guide-basic.yaml',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const dir = result.stdout.trim();
    made.push(dir);
    assert.ok(dir.startsWith(tmpdir()));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  });
});
