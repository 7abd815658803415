import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { annotationsFor, problemAnnotation, workspaceFile } from '../../src/ci/annotations.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { isolatedEnv, runSindri } from '../helpers/cli.ts';

describe('annotations for configuration problems', () => {
  const ctx = { env: { GITHUB_WORKSPACE: '/work/repo' }, cwd: '/work/repo/images' };

  it('points at the file relative to the workspace, with line and column', () => {
    assert.equal(workspaceFile('base.yaml', ctx), 'images/base.yaml');
    assert.equal(workspaceFile('/elsewhere/x.yaml', ctx), undefined);
    assert.equal(workspaceFile('--region', ctx), undefined);
    assert.equal(workspaceFile('$ALICLOUD_REGION', ctx), undefined);
    assert.equal(
      problemAnnotation(
        {
          file: 'base.yaml',
          line: 12,
          column: 7,
          path: 'providers.packer.alibaba.region',
          message: 'must be one of: cn-hangzhou, cn-shanghai',
          hint: 'use 100% a listed region',
        },
        ctx,
      ),
      '::error file=images/base.yaml,line=12,col=7,title=sindri%3A invalid configuration (providers.packer.alibaba.region)' +
        '::providers.packer.alibaba.region: must be one of: cn-hangzhou, cn-shanghai%0Afix: use 100%25 a listed region',
    );
  });

  it('names a flag or variable in the message when there is no file, and ignores other errors', () => {
    const line = problemAnnotation(
      { file: '$ALICLOUD_REGION', path: 'providers.packer.alibaba.region', message: 'bad' },
      ctx,
    );
    assert.ok(!line.includes('file='), line);
    assert.match(line, /::providers\.packer\.alibaba\.region: bad \(\$ALICLOUD_REGION\)$/);
    const err = new ConfigError([
      { file: 'a.yaml', line: 1, path: '', message: 'x' },
      { file: 'a.yaml', line: 2, column: 3, path: 'name', message: 'y' },
    ]);
    assert.deepEqual(
      annotationsFor(err, ctx)
        .split('\n')
        .filter(Boolean)
        .map((l) => /file=([^,]+),line=(\d+),col=(\d+)/.exec(l)?.slice(1)),
      [
        ['images/a.yaml', '1', '1'],
        ['images/a.yaml', '2', '3'],
      ],
    );
    assert.equal(annotationsFor(new Error('boom'), ctx), '');
  });
});

describe('sindri in GitHub Actions: config errors as annotations', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  function workspace(): string {
    const dir = mkdtempSync(join(tmpdir(), 'sindri-annot-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'images'));
    writeFileSync(
      join(dir, 'images', 'base.yaml'),
      [
        'version: "1.0"',
        'name: annot',
        'providers:',
        '  packer:',
        '    cloud: alibaba',
        '    alibaba:',
        '      region: cn-hangzhou',
        '      system_disk_size_gb: 5',
        '',
      ].join('\n'),
    );
    return dir;
  }

  it('packer validate: normal text on stderr plus an ::error annotation at file, line and column', async () => {
    const dir = workspace();
    const run = await runSindri(['packer', 'validate', '--config', 'images/base.yaml'], {
      cwd: dir,
      env: isolatedEnv({ GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: dir }),
    });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^images\/base\.yaml:8:\d+ {2}providers\.packer\.alibaba\.system_disk_size_gb/m);
    assert.match(
      run.stderr,
      /^::error file=images\/base\.yaml,line=8,col=\d+,title=sindri%3A invalid configuration \(providers\.packer\.alibaba\.system_disk_size_gb\)::providers\.packer\.alibaba\.system_disk_size_gb: must be at least 20/m,
    );
  });

  it('packer build --json: stdout stays JSON, annotations go to stderr, a flag problem has no file', async () => {
    const dir = workspace();
    const run = await runSindri(['packer', 'build', '--config', 'base.yaml', '--region', 'x,y', '--json'], {
      cwd: join(dir, 'images'),
      env: isolatedEnv({ GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: dir }),
    });
    assert.equal(run.code, 2, run.stderr);
    const json = JSON.parse(run.stdout) as { error: { code: string } };
    assert.equal(json.error.code, 'InvalidConfig');
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('::error'));
    assert.equal(lines.length, 2, run.stderr);
    assert.ok(lines.some((l) => l.startsWith('::error file=images/base.yaml,line=8,')));
    assert.ok(lines.some((l) => !l.includes('file=') && l.includes('got "x,y" (--region)')));
  });

  it('outside GitHub Actions there are no annotations', async () => {
    const dir = workspace();
    const run = await runSindri(['packer', 'validate', '--config', 'images/base.yaml'], {
      cwd: dir,
      env: isolatedEnv(),
    });
    assert.equal(run.code, 2);
    assert.doesNotMatch(run.stderr, /::error/);
  });
});
