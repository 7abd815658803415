/**
 * The settings table against the template: every setting with a packer attribute is rendered as that
 * attribute and maps back to its key through the reverse map `packer validate` diagnostics use, and
 * every attribute the template writes comes from the table (or is sindri's own).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { keyPath, SETTINGS, type Setting } from '../../src/config/settings.ts';
import type { SindriConfig } from '../../src/config/types.ts';
import {
  annotateDiagnostics,
  configKeyForTemplatePath,
  locateInTemplate,
} from '../../src/packer/validate.ts';
import { renderTemplate } from '../../src/render/render.ts';
import { FIXTURE_DIR, fullConfig, makeConfig, RENDER_OPTS } from './fixtures.ts';

const SOURCE = 'source.alicloud-ecs.sindri.';
/** Attributes of the source block that come from no setting. */
const SINDRI_OWN = new Set([
  'communicator',
  // The names of the temporary resources, from the build ID.
  'instance_name',
  'security_group_name',
  'vpc_name',
  'vswitch_name',
  'temporary_key_pair_name',
  'run_tags',
]);
const RENDERED = (SETTINGS as readonly Setting[]).filter((s) => s.packer !== undefined);

interface SourceAttribute {
  /** `system_disk_mapping.disk_size` */
  attribute: string;
  /** What the reverse map says for the line. */
  key: string | undefined;
  value: string;
}

/** Every attribute line of the source block, located the way a packer diagnostic's line is. */
function sourceAttributes(hcl: string): SourceAttribute[] {
  const out: SourceAttribute[] = [];
  hcl.split('\n').forEach((line, i) => {
    const m = /^\s*[a-z_]+\s*=\s*(.*)$/.exec(line);
    const at = m ? locateInTemplate(hcl, i + 1) : undefined;
    if (m && at?.startsWith(SOURCE))
      out.push({ attribute: at.slice(SOURCE.length), key: configKeyForTemplatePath(at), value: m[1] ?? '' });
  });
  return out;
}

function valueAt(config: SindriConfig, key: string): unknown {
  return keyPath(key).reduce<unknown>(
    (v, name) => (v as Record<string, unknown> | undefined)?.[name],
    config,
  );
}

async function render(config: SindriConfig, packerVersion: string): Promise<string> {
  const r = await renderTemplate(config, { ...RENDER_OPTS, packerVersion, configDir: FIXTURE_DIR });
  return r.files.get(r.mainFile) as string;
}

/** The checks that hold for any configuration the builder accepts. */
function assertTableAndTemplateAgree(config: SindriConfig, hcl: string): void {
  const found = sourceAttributes(hcl);
  for (const { attribute, key, value } of found) {
    if (SINDRI_OWN.has(attribute)) continue;
    const setting = RENDERED.find((s) => s.key === key);
    assert.equal(
      setting?.packer,
      attribute,
      `${attribute} maps to ${key}, which the table renders otherwise`,
    );
    // An attribute from an unset key must come from a variable sindri passes (vpc_id = var.vpc_id).
    if (valueAt(config, setting.key) === undefined) assert.match(value, /^var\./, attribute);
  }
  for (const s of RENDERED) {
    if (valueAt(config, s.key) === undefined) continue;
    assert.ok(
      found.some((f) => f.attribute === s.packer),
      `${s.key} is set, but the template has no ${s.packer}`,
    );
  }
}

describe('the settings table and the template', () => {
  it('render every packer attribute of the table, each mapping back to its key', async () => {
    const family = makeConfig({
      alibaba: { source_image: undefined, image_family: 'acs:ubuntu_22_04_x64', user_data: '#!/bin/sh\n' },
    });
    const found = [
      ...sourceAttributes(await render(fullConfig(), '1.11.2')),
      ...sourceAttributes(await render(family, '1.11.2')),
    ];
    for (const s of RENDERED) {
      const at = found.find((f) => f.attribute === s.packer);
      assert.ok(at, `the template never renders ${s.packer} (${s.key})`);
      assert.equal(at.key, s.key, s.packer);
      if (!s.packer.includes('.')) {
        // packer 1.6 names the attribute alone in a builder error.
        const [d] = annotateDiagnostics(
          [{ severity: 'error', summary: 'x', detail: '', hclPath: s.packer }],
          '',
        );
        assert.equal(d?.configKey, s.key, `bare ${s.packer}`);
      }
    }
  });

  it('agree for any combination of the optional keys', async () => {
    const choice = fc.record({
      zone: fc.boolean(),
      family: fc.boolean(),
      network: fc.constantFrom('none', 'vpc', 'vswitch', 'vpc+vswitch'),
      securityGroup: fc.boolean(),
      cidr: fc.boolean(),
      userData: fc.constantFrom('none', 'inline', 'file'),
      description: fc.boolean(),
      nonRoot: fc.boolean(),
      plugin: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(choice, async (c) => {
        const config = makeConfig({
          ...(c.description ? { description: 'an image' } : {}),
          build: c.nonRoot ? { ssh_username: 'ecs-user' } : {},
          alibaba: {
            ...(c.zone ? { zone_id: 'cn-hangzhou-h' } : {}),
            ...(c.family ? { source_image: undefined, image_family: 'acs:ubuntu_22_04_x64' } : {}),
            ...(c.network.includes('vpc') ? { vpc_id: 'vpc-1' } : {}),
            ...(c.network.includes('vswitch') ? { vswitch_id: 'vsw-1' } : {}),
            ...(c.securityGroup ? { security_group_id: 'sg-1' } : {}),
            ...(c.cidr ? { vpc_cidr_block: '172.16.0.0/16' } : {}),
            ...(c.userData === 'inline' ? { user_data: '#!/bin/sh\n' } : {}),
            ...(c.userData === 'file' ? { user_data_file: 'user-data.sh' } : {}),
          },
        });
        assertTableAndTemplateAgree(config, await render(config, c.plugin || c.family ? '1.11.2' : '1.6.6'));
      }),
      { numRuns: 60 },
    );
  });
});
