/**
 * How each communicator, the package mirrors and a ranked instance_type are rendered, checked on the
 * HCL as hcl2json reads it, against the real packer (`packer validate`, 1.6.6 here), and, for the
 * Cloud Assistant environment file, against a real shell.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the expected values are HCL interpolations
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from '@cdktn/hcl2json';
import fc from 'fast-check';
import type { SindriConfig } from '../../src/config/types.ts';
import { findPacker } from '../../src/packer/binary.ts';
import { packerValidate } from '../../src/packer/validate.ts';
import { ASSISTANT_ENV_FILE } from '../../src/render/communicator.ts';
import { mirrorEnvironment } from '../../src/render/mirrors.ts';
import { renderTemplate, writeTemplate } from '../../src/render/render.ts';
import { FIXTURE_DIR, makeConfig, packerEnv, RENDER_OPTS, withTempDir } from './fixtures.ts';

type Json = Record<string, unknown>;

async function rendered(config: SindriConfig) {
  const r = await renderTemplate(config, { ...RENDER_OPTS, configDir: FIXTURE_DIR });
  const hcl = r.files.get(r.mainFile) as string;
  const doc = (await parse('sindri.pkr.hcl', hcl)) as Json;
  const source = ((doc.source as Json).alicloud_ecs ?? (doc.source as Json)['alicloud-ecs']) as Json;
  const src = ((source.sindri as Json[])[0] ?? {}) as Json;
  const build = ((doc.build as Json[])[0] ?? {}) as Json;
  return { r, hcl, src, build, variables: doc.variable as Json };
}

const assistant = (parts: Parameters<typeof makeConfig>[0] = {}) =>
  makeConfig({
    ...parts,
    additional: ['docker'],
    build: {
      communicator: 'cloud-assistant',
      files: [{ source: 'user-data.sh', destination: '/etc/sindri-user-data' }],
      ...parts.build,
    },
  });

describe('communicator: cloud-assistant', () => {
  it('renders no communicator, no EIP, no public bandwidth, and shell-local steps that run the helper', async () => {
    const { r, src, build } = await rendered(assistant());
    assert.equal(src.communicator, 'none');
    assert.equal(src.ssh_private_ip, true);
    assert.equal(src.associate_public_ip_address, false);
    assert.equal(src.internet_max_bandwidth_out, 0);
    assert.equal(src.ssh_username, undefined);
    assert.equal(src.security_group_id, '${var.security_group_id}');
    assert.equal(src.temporary_key_pair_name, 'sindri-${var.build_id}');
    // hcl2json groups provisioners by type.
    const provisioners = build.provisioner as Record<string, Json[]>;
    assert.deepEqual(
      Object.keys(provisioners),
      ['shell-local'],
      'no shell and no file provisioner: packer never connects',
    );
    const inline = (provisioners['shell-local'] ?? []).flatMap((p) => p.inline as string[]);
    for (const line of inline)
      assert.match(
        line,
        /^"\$SINDRI_NODE" "\$SINDRI_CLOUD_ASSISTANT_JS" --sindri-cloud-assistant (run|upload) /,
      );
    // Every script once, in the provisioning order, through `run`.
    const scripts = inline.flatMap((l) => [...l.matchAll(/'(scripts\/[^']+)'/g)].map((m) => m[1]));
    assert.deepEqual(
      scripts,
      [...r.files.keys()].filter((f) => f.startsWith('scripts/')),
    );
    assert.ok(inline.some((l) => l.includes("upload 'uploads/0' '/tmp/sindri-upload/0'")));
    assert.ok(r.files.has(ASSISTANT_ENV_FILE));
  });

  it('the environment file gives each script exactly the configured values', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.stringMatching(/^[A-Z][A-Z0-9_]{0,8}$/).filter((k) => !k.startsWith('SINDRI')),
          fc.string({ unit: 'grapheme', maxLength: 30 }).filter((v) => !v.includes('\0')),
          { maxKeys: 4 },
        ),
        async (environment) => {
          const { r } = await rendered(assistant({ build: { environment } }));
          await withTempDir(async (dir) => {
            await writeTemplate(r, dir);
            for (const [k, v] of Object.entries(environment)) {
              const out = execFileSync('sh', ['-c', `set -a; . ./${ASSISTANT_ENV_FILE}; printf %s "$${k}"`], {
                cwd: dir,
                encoding: 'utf8',
              });
              assert.equal(out, v, k);
            }
          });
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('communicator: ssh-private', () => {
  it('connects to the private address, through the bastion when one is configured', async () => {
    const direct = await rendered(makeConfig({ build: { communicator: 'ssh-private' } }));
    assert.equal(direct.src.communicator, 'ssh');
    assert.equal(direct.src.ssh_private_ip, true);
    assert.equal(direct.src.ssh_bastion_host, undefined);
    const agent = await rendered(
      makeConfig({
        build: {
          communicator: 'ssh-private',
          bastion: { host: 'jump.example.com', port: 2222, username: 'ops' },
        },
      }),
    );
    assert.deepEqual(
      [
        agent.src.ssh_bastion_host,
        agent.src.ssh_bastion_port,
        agent.src.ssh_bastion_username,
        agent.src.ssh_bastion_agent_auth,
      ],
      ['jump.example.com', 2222, 'ops', true],
    );
    const keyed = await rendered(
      makeConfig({
        build: {
          communicator: 'ssh-private',
          bastion: { host: 'jump.example.com', port: 22, username: 'ops', private_key_file: 'keys/jump.pem' },
        },
      }),
    );
    assert.equal(keyed.src.ssh_bastion_private_key_file, '${var.bastion_private_key_file}');
    assert.ok(keyed.variables.bastion_private_key_file, 'the key file is a variable sindri passes');
    assert.doesNotMatch(keyed.hcl, /keys\/jump\.pem/, 'the path never enters the template');
    assert.ok(keyed.r.packerArgs.includes(`bastion_private_key_file=${join(FIXTURE_DIR, 'keys/jump.pem')}`));
  });
});

describe('a ranked instance_type and run-time placement', () => {
  it('renders a variable defaulting to the first candidate, and unset network attributes as variables', async () => {
    const { src, variables } = await rendered(
      makeConfig({ alibaba: { instance_type: ['ecs.g7.large', 'ecs.g6.large'] } }),
    );
    assert.equal(src.instance_type, '${var.instance_type}');
    assert.equal(((variables.instance_type as Json[])[0] as Json).default, 'ecs.g7.large');
    for (const name of ['zone_id', 'vpc_id', 'vswitch_id', 'security_group_id']) {
      assert.equal(src[name], `\${var.${name}}`, name);
      assert.equal(((variables[name] as Json[])[0] as Json).default, '', name);
    }
    const single = await rendered(makeConfig({ alibaba: { instance_type: 'ecs.g7.large' } }));
    assert.equal(single.src.instance_type, 'ecs.g7.large');
    assert.equal(single.variables.instance_type, undefined);
  });
});

describe('build.mirrors', () => {
  it('adds the mirror script first and, for restore, the restore script before the clean-up', async () => {
    const files = async (config: SindriConfig) => [...(await rendered(config)).r.files.keys()];
    const none = await files(makeConfig());
    assert.ok(!none.includes('scripts/05-mirrors.sh') && !none.includes('scripts/85-mirrors-restore.sh'));
    const restore = await files(makeConfig({ build: { mirrors: 'aliyun-intranet' } }));
    assert.deepEqual(
      restore.filter((f) => /^scripts\/\d\d-/.test(f)),
      [
        'scripts/00-wait-cloud-init.sh',
        'scripts/05-mirrors.sh',
        'scripts/10-base.sh',
        'scripts/20-sindri.sh',
        'scripts/85-mirrors-restore.sh',
        'scripts/90-cleanup.sh',
      ],
    );
    const keep = await files(makeConfig({ build: { mirrors: 'aliyun-public', mirrors_in_image: 'keep' } }));
    assert.ok(keep.includes('scripts/05-mirrors.sh') && !keep.includes('scripts/85-mirrors-restore.sh'));
  });

  it('gives the scripts the preset URLs, or the custom ones, and pip and npm their own variables', () => {
    const env = (m: SindriConfig['providers']['packer']['build']['mirrors']) =>
      Object.fromEntries(
        mirrorEnvironment({ mirrors: m, mirrors_in_image: 'restore' }).map((e) => [
          e.slice(0, e.indexOf('=')),
          e.slice(e.indexOf('=') + 1),
        ]),
      );
    const intranet = env('aliyun-intranet');
    assert.equal(intranet.SINDRI_MIRROR_APT, 'http://mirrors.cloud.aliyuncs.com/{distro}');
    assert.equal(intranet.PIP_INDEX_URL, 'http://mirrors.cloud.aliyuncs.com/pypi/simple/');
    assert.equal(intranet.PIP_TRUSTED_HOST, 'mirrors.cloud.aliyuncs.com');
    assert.equal(intranet.SINDRI_MIRROR_DOCKER_CE, 'http://mirrors.cloud.aliyuncs.com/docker-ce');
    assert.equal(env('aliyun-public').SINDRI_MIRROR_APT, 'https://mirrors.aliyun.com/{distro}');
    const custom = env({ apt: 'http://m.example.com/debian', npm: 'https://npm.example.com' });
    assert.deepEqual(custom, {
      SINDRI_MIRRORS: 'custom',
      SINDRI_MIRRORS_IN_IMAGE: 'restore',
      SINDRI_MIRROR_APT: 'http://m.example.com/debian',
      SINDRI_MIRROR_NPM: 'https://npm.example.com',
      npm_config_registry: 'https://npm.example.com',
    });
  });
});

describe('packer 1.6.6 accepts every mode', () => {
  const packer = findPacker();
  for (const [name, config] of [
    ['cloud-assistant', assistant()],
    [
      'cloud-assistant with a network',
      assistant({ alibaba: { vpc_id: 'vpc-1', vswitch_id: 'vsw-1', security_group_id: 'sg-1' } }),
    ],
    [
      'ssh-private through a bastion',
      makeConfig({
        build: {
          communicator: 'ssh-private',
          bastion: { host: 'jump.example.com', port: 22, username: 'ops', private_key_file: 'k.pem' },
        },
      }),
    ],
    [
      'a ranked instance type with mirrors',
      makeConfig({
        alibaba: { instance_type: ['ecs.g7.large', 'ecs.g6.large'] },
        build: { mirrors: 'aliyun-intranet' },
      }),
    ],
  ] as const) {
    it(name, async () => {
      const p = await packer;
      assert.ok(p, 'packer is installed (npm test installs it)');
      const r = await renderTemplate(config, {
        ...RENDER_OPTS,
        configDir: FIXTURE_DIR,
        packerVersion: p.version,
      });
      await withTempDir(async (dir) => {
        await writeTemplate(r, dir);
        // packer reads the bastion's key while it validates.
        const key = join(dir, 'bastion.pem');
        const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
          type: 'pkcs1',
          format: 'pem',
        });
        await writeFile(key, pem, { mode: 0o600 });
        const res = await packerValidate(dir, r.mainFile, {
          syntaxOnly: false,
          env: packerEnv(),
          args: [
            ...r.packerArgs.filter(
              (a, i, all) =>
                !a.startsWith('bastion_private_key_file=') &&
                !all[i + 1]?.startsWith('bastion_private_key_file='),
            ),
            '-var',
            'zone_id=cn-hangzhou-h',
            ...(config.providers.packer.build.bastion?.private_key_file
              ? ['-var', `bastion_private_key_file=${key}`]
              : []),
          ],
        });
        assert.equal(res.ok, true, `${res.raw}\n--- template ---\n${r.files.get(r.mainFile)}`);
      });
    });
  }
});
