import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildOutputs, buildSummary, type ReportedBuild, reportBuild } from '../../src/ci/build-report.ts';
import { SindriError } from '../../src/errors.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { jsonResult, runSindri } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';
import { fakeGithubFiles } from './helpers.ts';

const RESULT: ReportedBuild = {
  buildId: '20260101-120000-abc123',
  name: 'team-base',
  region: 'cn-hangzhou',
  imageId: 'm-hz0001',
  images: { 'cn-hangzhou': 'm-hz0001', 'cn-shanghai': 'm-sh0001' },
  configHash: '0123456789abcdef0123',
  cached: false,
  durationSeconds: 754.2,
  phases: [
    { name: 'launch', seconds: 41.5 },
    { name: 'provision', seconds: 600 },
    { name: 'snapshot', seconds: 112.7 },
  ],
  regions: {
    'cn-shanghai': { state: 'available', imageId: 'm-sh0001' },
    'ap-southeast-1': { state: 'failed', error: 'QuotaExceeded | too many images' },
  },
};

const CANARY = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-FAKE-CANARY-REPORT-0001',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'fake-canary-secret-report-do-not-use',
  ALIBABA_CLOUD_SECURITY_TOKEN: 'fake-canary-sts-token-report',
};

describe('build summary and outputs', () => {
  it('summarises image IDs per region, the cache and the phase durations as Markdown tables', () => {
    const md = buildSummary(RESULT);
    assert.match(md, /^### ✅ sindri image `team-base`/);
    assert.match(md, /^\| cn-hangzhou \| `m-hz0001` \| built \|$/m);
    assert.match(md, /^\| cn-shanghai \| `m-sh0001` \| available \|$/m);
    // A failed copy has no image; the pipe in its error cannot break the table.
    assert.match(md, /^\| ap-southeast-1 \| — \| failed: QuotaExceeded \\\| too many images \|$/m);
    assert.match(md, /\*\*Cache hit:\*\* no/);
    assert.match(md, /^\| provision \| 10m 0s \|$/m);
    assert.match(md, /^\| launch \| 41\.5s \|$/m);
    assert.match(md, /\*\*Duration:\*\* 12m 34s/);
    assert.match(buildSummary({ ...RESULT, cached: true }), /\*\*Cache hit:\*\* yes/);
    assert.doesNotMatch(md, /Tests:/);
  });

  it("lists the test stage's checks, a failed one with its reason, and the SBOM", () => {
    const md = buildSummary({
      ...RESULT,
      test: {
        passed: false,
        checks: [
          { name: 'docker: docker --version', source: 'extension docker', passed: true, seconds: 0.4 },
          { name: 'port 443', source: 'config', passed: false, seconds: 1, reason: 'nothing | listens' },
        ],
        sbom: { digest: `sha256:${'ab'.repeat(32)}`, packages: 412, file: '/x/sbom.cdx.json' },
      },
    });
    assert.match(
      md,
      /\*\*Tests:\*\* 1 of 2 check\(s\) passed .*SBOM of 412 packages \(`sha256:abababababab…`\)/,
    );
    assert.match(md, /^\| docker: docker --version \| extension docker \| ✓ \|$/m);
    assert.match(md, /^\| port 443 \| config \| ✗ nothing \\\| listens \|$/m);
  });

  it('exposes every image ID as an output, the per-region list as a multi-line value', () => {
    assert.deepEqual(buildOutputs(RESULT), {
      'image-id': 'm-hz0001',
      images: '{"cn-hangzhou":"m-hz0001","cn-shanghai":"m-sh0001"}',
      'image-ids': 'cn-hangzhou=m-hz0001\ncn-shanghai=m-sh0001',
      'build-id': '20260101-120000-abc123',
      cached: 'false',
      'config-hash': '0123456789abcdef0123',
      region: 'cn-hangzhou',
      'image-id-cn-hangzhou': 'm-hz0001',
      'image-id-cn-shanghai': 'm-sh0001',
    });
  });

  it('reports a partially failed distribution with its error, and never leaks credentials (canary)', async () => {
    const gh = fakeGithubFiles();
    try {
      const err = Object.assign(
        new SindriError(
          `distribution failed in ap-southeast-1: QuotaExceeded (AccessKeyId=${CANARY.ALIBABA_CLOUD_ACCESS_KEY_ID}, secret ${CANARY.ALIBABA_CLOUD_ACCESS_KEY_SECRET}, token ${CANARY.ALIBABA_CLOUD_SECURITY_TOKEN})`,
        ),
        { result: { ...RESULT, name: `team-base ${CANARY.ALIBABA_CLOUD_SECURITY_TOKEN}` } },
      );
      await reportBuild(err, { ...gh.env, ...CANARY });
      const summary = gh.summary();
      assert.match(summary, /^### ⚠️ sindri image/);
      assert.match(summary, /The build finished with errors:\*\* distribution failed in ap-southeast-1/);
      assert.equal(gh.outputs()['image-id-cn-shanghai'], 'm-sh0001');
      for (const value of Object.values(CANARY)) {
        assert.ok(!summary.includes(value), `${value} in the summary`);
        assert.ok(!gh.outputText().includes(value), `${value} in the outputs`);
      }
      // Errors without images, and a run outside GitHub's files, write nothing and throw nothing.
      await reportBuild(new Error('packer build failed'), gh.env);
      await reportBuild(RESULT, { GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: join(gh.dir, 'missing', 'output') });
      assert.equal(gh.summary(), summary);
    } finally {
      rmSync(gh.dir, { recursive: true, force: true });
    }
  });
});

describe('sindri packer build in GitHub Actions, against the emulator', () => {
  let emulator: Emulator;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let gh: ReturnType<typeof fakeGithubFiles>;

  before(async () => {
    emulator = await startEmulator();
    env = emulatorEnv(emulator.url);
    dir = mkdtempSync(join(tmpdir(), 'sindri-gha-build-'));
    gh = fakeGithubFiles(dir);
    writeFileSync(
      join(dir, 'sindri.yaml'),
      [
        'version: "1.0"',
        'name: gha-test',
        'extensions:',
        '  profile: minimal',
        'providers:',
        '  packer:',
        '    cloud: alibaba',
        '    image_name: sindri-gha-e2e',
        '    build:',
        `      ssh_port: ${emulator.sshPort}`,
        '    alibaba:',
        '      region: cn-hangzhou',
        '      instance_type: ecs.g6.large',
        '      image_copy_regions: [cn-shanghai]',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(gh.dir, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
  });

  it('writes the step summary and the image IDs as outputs, with no credential in either', async () => {
    const run = await runSindri(['packer', 'build', '--json'], { cwd: dir, env: { ...env, ...gh.env } });
    assert.equal(run.code, 0, run.stderr);
    const result = jsonResult(run.stdout) as ReportedBuild;
    const outputs = gh.outputs();
    assert.equal(outputs['image-id'], result.imageId);
    assert.deepEqual(JSON.parse(outputs.images as string), result.images);
    assert.equal(outputs['image-id-cn-shanghai'], result.images['cn-shanghai']);
    assert.equal(outputs.cached, 'false');
    assert.equal(outputs['build-id'], result.buildId);

    const summary = gh.summary();
    for (const [region, id] of Object.entries(result.images)) {
      assert.match(summary, new RegExp(`^\\| ${region} \\| \`${id}\` \\|`, 'm'));
    }
    assert.match(summary, /\*\*Cache hit:\*\* no/);
    for (const phase of result.phases) assert.match(summary, new RegExp(`^\\| ${phase.name} \\| `, 'm'));

    for (const secret of [env.ALIBABA_CLOUD_ACCESS_KEY_ID, env.ALIBABA_CLOUD_ACCESS_KEY_SECRET] as string[]) {
      assert.ok(!summary.includes(secret) && !gh.outputText().includes(secret), 'credentials leaked');
    }
  });
});
