import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from '@cdktn/hcl2json';
import { renderTemplate, writeTemplate } from '../../src/render/render.ts';
import { RenderError } from '../../src/render/render-error.ts';
import {
  FIXTURE_DIR,
  fullConfig,
  GUIDE_CONFIGS,
  guideCostOptimized,
  guideProduction,
  makeConfig,
  RENDER_OPTS,
  withTempDir,
} from './fixtures.ts';

type Json = Record<string, unknown>;
const FULL_OPTS = { ...RENDER_OPTS, configDir: FIXTURE_DIR };

async function sourceBlock(hcl: string): Promise<Json> {
  const doc = (await parse('sindri.pkr.hcl', hcl)) as Json;
  const source = doc.source as Record<string, Record<string, Json[]>>;
  return source['alicloud-ecs']?.sindri?.[0] as Json;
}

describe('renderTemplate', () => {
  for (const [name, make] of Object.entries(GUIDE_CONFIGS)) {
    it(`renders the guide's ${name} example`, async () => {
      const r = await renderTemplate(make(), RENDER_OPTS);
      const hcl = r.files.get(r.mainFile) as string;
      assert.equal(r.mainFile, 'sindri.pkr.hcl');
      assert.match(r.configHash, /^[0-9a-f]{64}$/);
      const src = await sourceBlock(hcl);
      assert.equal(src.region, make().providers.packer.alibaba.region);
      for (const rel of [
        'scripts/00-wait-cloud-init.sh',
        'scripts/10-base.sh',
        'scripts/20-sindri.sh',
        'scripts/90-cleanup.sh',
      ]) {
        assert.ok(r.files.has(rel), rel);
      }
    });
  }

  it('writes required_plugins only for packer >= 1.7', async () => {
    const old = await renderTemplate(guideProduction(), RENDER_OPTS);
    const cur = await renderTemplate(guideProduction(), { ...RENDER_OPTS, packerVersion: '1.11.2' });
    assert.doesNotMatch(old.files.get('sindri.pkr.hcl') as string, /required_plugins/);
    const doc = (await parse('x.pkr.hcl', cur.files.get('sindri.pkr.hcl') as string)) as Json;
    const packerBlock = (doc.packer as Json[])[0] as Json;
    const plugins = ((packerBlock.required_plugins as Json[])[0] as Json).alicloud as Json;
    assert.equal(plugins.source, 'github.com/hashicorp/alicloud');
  });

  it('maps disk, network, SSH and user data keys onto the builder', async () => {
    const r = await renderTemplate(fullConfig(), FULL_OPTS);
    const src = await sourceBlock(r.files.get('sindri.pkr.hcl') as string);
    assert.deepEqual(src.system_disk_mapping, [{ disk_category: 'cloud_essd', disk_size: 120 }]);
    assert.equal(src.zone_id, 'cn-shanghai-b');
    assert.equal(src.vpc_id, 'vpc-uf6xxxx');
    assert.equal(src.vswitch_id, 'vsw-uf6xxxx');
    assert.equal(src.security_group_id, 'sg-uf6xxxx');
    assert.equal(src.vpc_cidr_block, '172.16.0.0/16');
    assert.equal(src.internet_charge_type, 'PayByBandwidth');
    assert.equal(src.internet_max_bandwidth_out, 50);
    assert.equal(src.ssh_username, 'ecs-user');
    assert.equal(src.ssh_port, 2222);
    assert.equal(src.ssh_timeout, '30m');
    assert.equal(src.user_data_file, 'user-data');
    assert.equal(r.files.get('user-data'), await readFile(join(FIXTURE_DIR, 'user-data.sh'), 'utf8'));
    assert.equal(
      r.files.get('scripts/user/01-setup-app.sh'),
      await readFile(join(FIXTURE_DIR, 'setup-app.sh'), 'utf8'),
    );
    assert.deepEqual([...r.copies.keys()], ['uploads/0', 'uploads/1']);
  });

  it('leaves copy, share and encryption to sindri: none of them is in the template', async () => {
    const hcl = (await renderTemplate(guideProduction(), RENDER_OPTS)).files.get('sindri.pkr.hcl') as string;
    for (const field of [
      'image_copy_regions',
      'image_share_account',
      'image_encrypted',
      'kms_key_id',
      'cn-beijing',
      '1234567890123456',
    ]) {
      assert.ok(!hcl.includes(field), field);
    }
  });

  it('tags the image with sindri tags and the user tags; the build ID only through a variable', async () => {
    const r = await renderTemplate(guideProduction(), RENDER_OPTS);
    const hcl = r.files.get('sindri.pkr.hcl') as string;
    const src = await sourceBlock(hcl);
    const tags = (src.tags as Json) ?? {};
    assert.equal(tags.Environment, 'production');
    assert.equal(tags.Team, 'platform');
    assert.equal(tags.ManagedBy, 'sindri');
    assert.equal(tags['sindri:version'], '0.1.0');
    assert.equal(tags['sindri:config-hash'], r.configHash);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: HCL text, not a JavaScript template
    assert.equal(tags['sindri:build-id'], '${var.build_id}');
    assert.ok(!hcl.includes(RENDER_OPTS.buildId));
    assert.deepEqual(r.packerArgs, ['-var', `build_id=${RENDER_OPTS.buildId}`]);
  });

  it('sindri wins over a user tag of the same name', async () => {
    const cfg = makeConfig({ tags: { ManagedBy: 'someone-else', 'sindri:version': '9' } });
    const src = await sourceBlock(
      (await renderTemplate(cfg, RENDER_OPTS)).files.get('sindri.pkr.hcl') as string,
    );
    const tags = src.tags as Json;
    assert.equal(tags.ManagedBy, 'sindri');
    assert.equal(tags['sindri:version'], '0.1.0');
  });

  it('runs scripts through sudo only for a non-root SSH user', async () => {
    const root = (await renderTemplate(guideProduction(), RENDER_OPTS)).files.get('sindri.pkr.hcl') as string;
    const user = (await renderTemplate(fullConfig(), FULL_OPTS)).files.get('sindri.pkr.hcl') as string;
    assert.doesNotMatch(root, /execute_command/);
    assert.ok(
      user.includes(
        `execute_command  = "chmod +x {{ .Path }}; sudo -n sh -c '. {{ .EnvVarFile }} && exec {{ .Path }}'"`,
      ),
    );
    assert.match(user, /use_env_var_file = true/);
  });

  it('installs the profile and the additional extensions once each, in order', async () => {
    const r = await renderTemplate(guideProduction(), RENDER_OPTS);
    const exts = [...r.files.keys()].filter((k) => k.startsWith('scripts/extensions/'));
    assert.deepEqual(
      exts,
      ['docker', 'node', 'python', 'kubernetes', 'monitoring'].map((e) => `scripts/extensions/${e}.sh`),
    );
    assert.match(
      r.files.get('sindri.pkr.hcl') as string,
      /"SINDRI_EXTENSIONS=docker node python kubernetes monitoring"/,
    );
    assert.match(r.files.get('sindri.pkr.hcl') as string, /"SINDRI_VERSION=3\.0\.0"/);
  });

  it('pins the in-image CLI to the running CLI when build.sindri_version is unset', async () => {
    const hcl = (await renderTemplate(makeConfig(), RENDER_OPTS)).files.get('sindri.pkr.hcl') as string;
    assert.match(hcl, /"SINDRI_VERSION=0\.1\.0"/);
  });

  it('includes the CIS script only when asked', async () => {
    assert.ok(
      (await renderTemplate(guideProduction(), RENDER_OPTS)).files.has('scripts/80-cis-hardening.sh'),
    );
    assert.ok(!(await renderTemplate(makeConfig(), RENDER_OPTS)).files.has('scripts/80-cis-hardening.sh'));
  });
});

describe('the configuration hash', () => {
  it('does not depend on the build ID and is stable', async () => {
    const a = await renderTemplate(guideProduction(), RENDER_OPTS);
    const b = await renderTemplate(guideProduction(), { ...RENDER_OPTS, buildId: 'another-build' });
    assert.equal(a.configHash, b.configHash);
    assert.equal(a.files.get('sindri.pkr.hcl'), b.files.get('sindri.pkr.hcl'));
  });

  it('changes with the configuration, the packer version and the uploaded content', async () => {
    const base = (await renderTemplate(guideProduction(), RENDER_OPTS)).configHash;
    const cfg = guideProduction();
    cfg.providers.packer.tags.Team = 'other';
    assert.notEqual((await renderTemplate(cfg, RENDER_OPTS)).configHash, base);
    assert.notEqual(
      (await renderTemplate(guideProduction(), { ...RENDER_OPTS, packerVersion: '1.9.4' })).configHash,
      base,
    );
    const full = (await renderTemplate(fullConfig(), FULL_OPTS)).configHash;
    const moved = fullConfig();
    const file = moved.providers.packer.build.files[0];
    if (file) file.source = 'setup-app.sh';
    assert.notEqual((await renderTemplate(moved, FULL_OPTS)).configHash, full);
  });

  it('does not depend on how sindri reaches the cloud (credentials profile, endpoints)', async () => {
    const base = (await renderTemplate(guideProduction(), RENDER_OPTS)).configHash;
    const cfg = guideProduction();
    cfg.providers.packer.alibaba.credentials_profile = 'image-builder';
    cfg.providers.packer.alibaba.endpoints = { ecs: 'http://127.0.0.1:8080' };
    assert.equal((await renderTemplate(cfg, RENDER_OPTS)).configHash, base);
    cfg.providers.packer.alibaba.instance_type = 'ecs.c6.xlarge';
    assert.notEqual((await renderTemplate(cfg, RENDER_OPTS)).configHash, base);
  });

  it('does not depend on where the configuration lives', async () => {
    const r = await renderTemplate(fullConfig(), FULL_OPTS);
    assert.ok(!(r.files.get('sindri.pkr.hcl') as string).includes(FIXTURE_DIR));
  });
});

describe('keys the builder cannot express', () => {
  it('warns that spot applies to nothing the builder creates, and renders no spot field', async () => {
    const r = await renderTemplate(guideCostOptimized(), RENDER_OPTS);
    assert.deepEqual(
      r.warnings.map((w) => w.path),
      ['providers.packer.alibaba.spot_strategy'],
    );
    assert.doesNotMatch(r.files.get('sindri.pkr.hcl') as string, /spot/);
  });

  it('rejects performance levels other than the ESSD default, with the key path', async () => {
    const cfg = guideProduction();
    cfg.providers.packer.alibaba.system_disk_performance_level = 'PL3';
    await assert.rejects(renderTemplate(cfg, RENDER_OPTS), (err: unknown) => {
      assert.ok(err instanceof RenderError);
      assert.equal(err.exitCode, 2);
      assert.deepEqual(
        err.findings.map((f) => f.path),
        ['providers.packer.alibaba.system_disk_performance_level'],
      );
      return true;
    });
  });

  it('rejects vswitch_cidr_block and image_family on packer 1.6; warns about resource_group_id', async () => {
    const cfg = makeConfig({
      alibaba: {
        vswitch_cidr_block: '10.0.1.0/24',
        resource_group_id: 'rg-acfmxxxx',
        image_family: 'acs:ubuntu_22_04_x64',
      },
    });
    delete cfg.providers.packer.alibaba.source_image;
    await assert.rejects(renderTemplate(cfg, RENDER_OPTS), (err: unknown) => {
      assert.ok(err instanceof RenderError);
      assert.deepEqual(err.findings.map((f) => f.path).sort(), [
        'providers.packer.alibaba.image_family',
        'providers.packer.alibaba.vswitch_cidr_block',
      ]);
      return true;
    });
  });

  it('renders no resource group field and says that sindri moves the image', async () => {
    const r = await renderTemplate(
      makeConfig({ alibaba: { resource_group_id: 'rg-acfmxxxx' } }),
      RENDER_OPTS,
    );
    assert.deepEqual(
      r.warnings.map((w) => w.path),
      ['providers.packer.alibaba.resource_group_id'],
    );
    assert.match(r.warnings[0]?.message ?? '', /JoinResourceGroup/);
    assert.doesNotMatch(r.files.get('sindri.pkr.hcl') as string, /rg-acfmxxxx|resource_group/);
  });

  it('renders image_family for packer >= 1.7', async () => {
    const cfg = makeConfig({ alibaba: { image_family: 'acs:ubuntu_22_04_x64' } });
    delete cfg.providers.packer.alibaba.source_image;
    const r = await renderTemplate(cfg, { ...RENDER_OPTS, packerVersion: '1.10.0' });
    const src = await sourceBlock(r.files.get('sindri.pkr.hcl') as string);
    assert.equal(src.image_family, 'acs:ubuntu_22_04_x64');
    assert.equal(src.source_image, undefined);
  });

  it('rejects unknown extensions and reserved environment names', async () => {
    const cfg = makeConfig({
      additional: ['docker', 'cobol'],
      build: { environment: { SINDRI_X: '1', 'BAD-NAME': '2' } },
    });
    await assert.rejects(renderTemplate(cfg, RENDER_OPTS), (err: unknown) => {
      assert.ok(err instanceof RenderError);
      assert.deepEqual(err.findings.map((f) => f.path).sort(), [
        'extensions.additional.1',
        'providers.packer.build.environment.BAD-NAME',
        'providers.packer.build.environment.SINDRI_X',
      ]);
      return true;
    });
  });
});

describe('credentials', () => {
  it('never reach rendered or written files', async () => {
    const canary = {
      ALICLOUD_ACCESS_KEY: 'LTAI-FAKE-CANARY-ACCESS-7f3a',
      ALICLOUD_SECRET_KEY: 'FAKE-CANARY-SECRET-9b1c',
      SECURITY_TOKEN: 'FAKE-CANARY-TOKEN-4d2e',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-FAKE-CANARY-ID-5e6f',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'FAKE-CANARY-SECRET-2a8b',
    };
    const saved = { ...process.env };
    Object.assign(process.env, canary);
    try {
      const r = await renderTemplate(fullConfig(), FULL_OPTS);
      await withTempDir(async (dir) => {
        await writeTemplate(r, dir);
        const texts: string[] = [...r.files.values()];
        const walk = async (d: string): Promise<void> => {
          for (const e of await readdir(d, { withFileTypes: true })) {
            const p = join(d, e.name);
            if (e.isDirectory()) await walk(p);
            else texts.push(await readFile(p, 'utf8'));
          }
        };
        await walk(dir);
        for (const text of texts) {
          for (const value of Object.values(canary)) assert.ok(!text.includes(value), 'a credential leaked');
          assert.doesNotMatch(text, /access_key|secret_key|security_token/);
        }
      });
    } finally {
      for (const k of Object.keys(canary)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});

describe('writeTemplate', () => {
  it('writes a private directory: 0700 directories and scripts, 0600 files, uploads copied', async () => {
    const r = await renderTemplate(fullConfig(), FULL_OPTS);
    await withTempDir(async (parent) => {
      const dir = join(parent, 'out');
      await writeTemplate(r, dir);
      assert.equal((await stat(dir)).mode & 0o777, 0o700);
      assert.equal((await stat(join(dir, 'sindri.pkr.hcl'))).mode & 0o777, 0o600);
      assert.equal((await stat(join(dir, 'scripts/10-base.sh'))).mode & 0o777, 0o700);
      assert.equal(await readFile(join(dir, 'uploads/0'), 'utf8'), 'motd for render tests\n');
      assert.equal(await readFile(join(dir, 'uploads/1/app.conf'), 'utf8'), 'key = "value"\n');
    });
  });
});
