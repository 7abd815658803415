import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findPacker } from '../../src/packer/binary.ts';
import {
  annotateDiagnostics,
  configKeyForTemplatePath,
  locateInTemplate,
  packerValidate,
  parseValidateOutput,
} from '../../src/packer/validate.ts';
import { renderTemplate, writeTemplate } from '../../src/render/render.ts';
import {
  FIXTURE_DIR,
  fullConfig,
  GUIDE_CONFIGS,
  makeConfig,
  packerEnv,
  RENDER_OPTS,
  withTempDir,
} from '../render/fixtures.ts';

const packer = await findPacker(packerEnv());
if (!packer) throw new Error('these tests need the real packer on PATH (apt-get install -y packer)');
const opts = { ...RENDER_OPTS, packerVersion: packer.version };

describe('real packer validate', () => {
  const cases = [
    ...Object.entries(GUIDE_CONFIGS).map(([name, make]) => ({
      name: `guide ${name}`,
      make,
      configDir: RENDER_OPTS.configDir,
    })),
    { name: 'every renderable key', make: fullConfig, configDir: FIXTURE_DIR },
  ];
  for (const c of cases) {
    it(`accepts the ${c.name} template`, async () => {
      const r = await renderTemplate(c.make(), { ...opts, configDir: c.configDir });
      await withTempDir(async (dir) => {
        await writeTemplate(r, dir);
        const res = await packerValidate(dir, r.mainFile, {
          syntaxOnly: false,
          env: packerEnv(),
          args: r.packerArgs,
        });
        assert.equal(res.ok, true, res.raw);
        assert.deepEqual(res.diagnostics, []);
      });
    });
  }

  it('reports a builder error with its line, the attribute and the sindri.yaml key', async () => {
    const r = await renderTemplate(makeConfig({ image_name: 'x' }), opts);
    await withTempDir(async (dir) => {
      await writeTemplate(r, dir);
      const res = await packerValidate(dir, r.mainFile, { syntaxOnly: false, env: packerEnv() });
      assert.equal(res.ok, false);
      const [d] = annotateDiagnostics(res.diagnostics, r.files.get(r.mainFile) as string);
      assert.ok(d);
      assert.equal(d.severity, 'error');
      assert.match(d.detail, /image_name/);
      assert.equal(d.file, 'sindri.pkr.hcl');
      assert.equal(d.configKey, 'providers.packer.image_name');
    });
  });

  it('fails without credentials in the environment (they are never in the template)', async () => {
    const r = await renderTemplate(makeConfig(), opts);
    await withTempDir(async (dir) => {
      await writeTemplate(r, dir);
      const env = packerEnv({ ALICLOUD_ACCESS_KEY: '', ALICLOUD_SECRET_KEY: '' });
      const res = await packerValidate(dir, r.mainFile, { syntaxOnly: false, env });
      assert.equal(res.ok, false);
      assert.match(res.raw, /ALICLOUD_ACCESS_KEY/);
      const syntax = await packerValidate(dir, r.mainFile, { syntaxOnly: true, env });
      assert.equal(syntax.ok, true, syntax.raw);
    });
  });
});

describe('parseValidateOutput', () => {
  it('parses packer 1.6 diagnostics', () => {
    const out = [
      'Error: Unsupported argument',
      '',
      '  on sindri.pkr.hcl line 23:',
      '  (source code not available)',
      '',
      'An argument named "kms_key_id" is not expected here.',
      '',
      "Error: invalid 'tags': template: root:1: unclosed action in:",
      '',
      'a{{',
      '',
      '  on sindri.pkr.hcl line 1:',
      '  (source code not available)',
      '',
    ].join('\n');
    const d = parseValidateOutput(out);
    assert.equal(d.length, 2);
    assert.deepEqual(
      { ...d[0] },
      {
        severity: 'error',
        summary: 'Unsupported argument',
        detail: 'An argument named "kms_key_id" is not expected here.',
        file: 'sindri.pkr.hcl',
        line: 23,
        hclPath: 'kms_key_id',
      },
    );
    assert.equal(d[1]?.hclPath, 'tags');
    assert.equal(d[1]?.line, 1);
  });

  it('parses packer >= 1.7 diagnostics with source lines and warnings', () => {
    const out = [
      'Warning: Deprecated',
      '',
      '  on sindri.pkr.hcl line 4, in source "alicloud-ecs" "sindri":',
      '   4:   foo = 1',
      '',
      'Something is deprecated.',
    ].join('\n');
    const [d] = parseValidateOutput(out);
    assert.equal(d?.severity, 'warning');
    assert.equal(d?.line, 4);
    assert.equal(d?.detail, 'Something is deprecated.');
  });

  it('returns nothing for a clean run', () => {
    assert.deepEqual(parseValidateOutput(''), []);
    assert.deepEqual(parseValidateOutput('The configuration is valid.\n'), []);
  });
});

describe('template locations and sindri.yaml keys', () => {
  const template = [
    'source "alicloud-ecs" "sindri" {', //1
    '  region = "cn-hangzhou"', //2
    '  system_disk_mapping {', //3
    '    disk_size = 80', //4
    '  }', //5
    '  tags = {', //6
    '    "Team" = "x"', //7
    '  }', //8
    '}', //9
    'build {', //10
    '  provisioner "shell" {', //11
    '    scripts = ["a"]', //12
    '  }', //13
    '  provisioner "file" {', //14
    '    destination = "/etc/x"', //15
    '  }', //16
    '}', //17
  ].join('\n');

  it('finds the block path of a line', () => {
    assert.equal(locateInTemplate(template, 2), 'source.alicloud-ecs.sindri.region');
    assert.equal(locateInTemplate(template, 4), 'source.alicloud-ecs.sindri.system_disk_mapping.disk_size');
    assert.equal(locateInTemplate(template, 7), 'source.alicloud-ecs.sindri.tags');
    assert.equal(locateInTemplate(template, 15), 'build.provisioner[1].destination');
  });

  it('maps template paths to sindri.yaml keys', () => {
    assert.equal(
      configKeyForTemplatePath('source.alicloud-ecs.sindri.instance_type'),
      'providers.packer.alibaba.instance_type',
    );
    assert.equal(
      configKeyForTemplatePath('source.alicloud-ecs.sindri.system_disk_mapping.disk_size'),
      'providers.packer.alibaba.system_disk_size_gb',
    );
    assert.equal(
      configKeyForTemplatePath('source.alicloud-ecs.sindri.image_description'),
      'providers.packer.description',
    );
    assert.equal(configKeyForTemplatePath('source.alicloud-ecs.sindri.tags'), 'providers.packer.tags');
    assert.equal(
      configKeyForTemplatePath('build.provisioner[1].destination'),
      'providers.packer.build.files',
    );
    assert.equal(configKeyForTemplatePath('locals.environment'), 'providers.packer.build.environment');
    assert.equal(configKeyForTemplatePath('build.post-processor[0].output'), undefined);
  });

  it('maps a bare attribute name as packer 1.6 reports builder errors', () => {
    const [d] = annotateDiagnostics(
      [{ severity: 'error', summary: 'x', detail: "invalid 'ssh_port'", hclPath: 'ssh_port' }],
      template,
    );
    assert.equal(d?.configKey, 'providers.packer.build.ssh_port');
  });
});
