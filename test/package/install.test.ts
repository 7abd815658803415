/**
 * The npm package as a user gets it: `npm pack`, then `npm install` of the tarball into a clean
 * directory, and `sindri --version`, `sindri init --yes` and `sindri packer validate` run from there.
 * Also: every file the code and docs send people to is in the package.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { isolatedEnv, repoRoot } from '../helpers/cli.ts';

const run = promisify(execFile);
const npm = 'npm';
const nodeBinDir = dirname(process.execPath);

/** The files of `npm pack` (without running prepack: the tests run on a build). */
async function packedFiles(): Promise<string[]> {
  const { stdout } = await run(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot });
  return (JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((f) => f.path) ?? [];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('the npm package', () => {
  it('ships what the commands and messages refer to', async () => {
    const files = new Set(await packedFiles());
    for (const f of [
      'bin/run.js',
      'oclif.manifest.json',
      'sindri.example.yaml',
      'README.md',
      'schemas/sindri.schema.json',
      'schemas/output.schema.json',
      'templates/catalogue.yaml',
      'templates/sindri.pkr.hcl.hbs',
      'dist/sdk.cjs',
      'dist/src/commands/init.js',
    ])
      assert.ok(files.has(f), f);
    // Every docs/*.md and sindri.example.yaml a source file names (hints, fixes, help text).
    const named = new Set<string>();
    for (const file of sourceFiles(join(repoRoot, 'src')))
      for (const m of readFileSync(file, 'utf8').matchAll(/\b(docs\/[a-z-]+\.md|sindri\.example\.yaml)\b/g))
        named.add(m[1] as string);
    assert.ok(named.size > 2);
    for (const f of named) assert.ok(files.has(f), `${f} is named in src/ but not packed`);
    assert.ok(![...files].some((f) => f.startsWith('test/') || f.startsWith('src/')), 'no tests or sources');
  });

  describe('installed from the tarball into a clean directory', () => {
    let work: string;
    let env: NodeJS.ProcessEnv;
    let sindri: (args: string[]) => Promise<{ stdout: string; stderr: string }>;
    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'sindri-install-'));
      const { stdout } = await run(
        npm,
        ['pack', '--ignore-scripts', '--pack-destination', work, '--silent'],
        {
          cwd: repoRoot,
        },
      );
      const tarball = join(work, stdout.trim().split('\n').pop() as string);
      const project = join(work, 'project');
      await run('mkdir', ['-p', project]);
      writeFileSync(join(project, 'package.json'), '{"name":"image-project","private":true}\n');
      // The npm cache first (the registry only for what it lacks), no lifecycle scripts of dependencies.
      await run(
        npm,
        ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball],
        {
          cwd: project,
          env: { ...process.env, PATH: `${nodeBinDir}:${process.env.PATH}` },
          timeout: 540_000,
        },
      );
      env = isolatedEnv({ HOME: work, PATH: `${nodeBinDir}:${process.env.PATH}` });
      sindri = (args) => run(join(project, 'node_modules', '.bin', 'sindri'), args, { cwd: project, env });
    });
    after(() => rmSync(work, { recursive: true, force: true }));

    it('sindri --version, init --yes and packer validate work from there', async () => {
      const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
      const version = await sindri(['--version']);
      assert.match(version.stdout, new RegExp(`^sindri/${pkg.version.replace(/\./g, '\\.')} `));
      const init = await sindri(['init', '--yes', '--offline', '--name', 'from-tarball']);
      assert.match(init.stdout, /✓ wrote sindri\.yaml/);
      const written = readFileSync(join(work, 'project', 'sindri.yaml'), 'utf8');
      // The schema line points at the project's own copy of the package.
      assert.equal(
        written.split('\n')[0],
        '# yaml-language-server: $schema=./node_modules/sindri/schemas/sindri.schema.json',
      );
      const validate = await sindri(['packer', 'validate']);
      assert.match(validate.stdout, /configuration is valid/);
      assert.match(validate.stdout, /rendered template passes packer validate \(packer/);
      const help = await sindri(['help', 'init']);
      assert.match(help.stdout, /\$ sindri init/);
    });
  });
});
