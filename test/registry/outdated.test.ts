/**
 * `sindri packer outdated` against the emulator, with builds by the real packer: never built, current,
 * a newer image in the source's family (and one matching source_image_pattern), a changed
 * configuration; and current again after a rebuild under a dated name, as the scheduled workflow does.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import type { Image } from '../emulator/state.ts';
import { runSindri } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';
import { type ConfigSpec, configDir, configText, sindri } from './helpers.ts';

const REGION = 'cn-hangzhou';
const BASE = 'ubuntu_22_04_x64_20G_alibase_20240130.vhd';
const FAMILY = 'acs:ubuntu_22_04_x64';

interface Report {
  outdated: boolean;
  rebuild: boolean;
  reasons: string[];
  name: string;
  image?: { imageId: string; name: string; buildId?: string };
  config: { changed: boolean };
  source: { base?: { imageId: string }; newer?: { imageId: string; via: string }; pinned: boolean };
  fixes: string[];
}

let emu: Emulator;
let env: NodeJS.ProcessEnv;
let dir: string;

/** A public image, as Alibaba publishes a new version of one. */
function publish(id: string, family: string, ageMs = 0): void {
  const w = emu.admin.world;
  const seed = w.get('image', REGION, BASE) as Image;
  const at = w.now() - ageMs;
  w.add<Image>({
    ...seed,
    id,
    name: id,
    imageFamily: family,
    createdAt: at,
    timeline: [{ at, status: 'Available' }],
    creatingFrom: at,
    creatingUntil: at,
    tags: new Map(),
    shareAccounts: new Map(),
  });
}

async function outdated() {
  const r = await sindri<Report>(['outdated'], { cwd: dir, env });
  assert.ok(r.status === 0 || r.status === 10, r.run.stderr);
  assert.equal(r.result.outdated, r.status === 10, 'exit 10 exactly when outdated');
  if (r.status === 10) assert.equal(r.error?.code, 'ImageOutdated');
  return r;
}

const spec = (extra: Partial<ConfigSpec> = {}): ConfigSpec => ({
  name: 'fresh',
  sshPort: emu.sshPort,
  family: 'fresh',
  sourcePattern: 'ubuntu_22_04_x64_20G_alibase_*.vhd',
  marker: 'one',
  ...extra,
});

before(async () => {
  emu = await startEmulator();
  env = emulatorEnv(emu.url);
  dir = configDir(spec());
});
after(async () => {
  await emu.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(env.HOME as string, { recursive: true, force: true });
});

describe('sindri packer outdated', () => {
  it('is outdated before the first build, and current after it', async () => {
    const never = await outdated();
    assert.equal(never.status, 10);
    assert.deepEqual(never.result.reasons, ['never-built']);
    assert.equal(never.result.rebuild, true);

    const built = await sindri(['build'], { cwd: dir, env });
    assert.equal(built.status, 0, built.run.stderr);
    const current = await outdated();
    assert.equal(current.status, 0, JSON.stringify(current.result));
    assert.deepEqual(current.result.reasons, []);
    assert.equal(current.result.source.base?.imageId, BASE);
    assert.equal(current.result.config.changed, false);
    // As a person reads it: the verdict on stdout, naming the image and its base.
    const text = await runSindri(['packer', 'outdated'], { cwd: dir, env });
    assert.equal(text.code, 0, text.stderr);
    assert.equal(
      text.stdout,
      `✓ fresh is current in cn-hangzhou: its newest image is ${current.result.image?.imageId}, build ${current.result.image?.buildId}, built from ${BASE}\n`,
    );
  });

  it('flips when a newer image appears in the source family, then when one matches the pattern', async () => {
    const family = 'ubuntu_22_04_x64_20G_alibase_20260105.vhd';
    publish(family, FAMILY, 60_000);
    const newer = await outdated();
    assert.equal(newer.status, 10);
    assert.deepEqual(newer.result.reasons, ['source-newer']);
    assert.deepEqual(newer.result.source.newer, {
      ...newer.result.source.newer,
      imageId: family,
      via: 'family',
    });
    // source_image pins the build to the old image: building again would not help, changing it would.
    assert.equal(newer.result.source.pinned, true);
    assert.equal(newer.result.rebuild, false);
    assert.match(
      newer.result.fixes.join('\n'),
      new RegExp(`set providers.packer.alibaba.source_image to ${family}`),
    );

    const matching = 'ubuntu_22_04_x64_20G_alibase_20260201.vhd';
    publish(matching, '');
    const pattern = await outdated();
    assert.equal(pattern.result.source.newer?.imageId, matching);
    assert.equal(pattern.result.source.newer?.via, 'pattern');
  });

  it('flips when the configuration changes; a rebuild under a dated name from the newer source is current', async () => {
    writeFileSync(join(dir, 'sindri.yaml'), configText(spec({ marker: 'two' })));
    const changed = await outdated();
    assert.deepEqual(changed.result.reasons, ['config-changed', 'source-newer']);
    assert.equal(changed.result.rebuild, true);

    const newest = 'ubuntu_22_04_x64_20G_alibase_20260201.vhd';
    writeFileSync(join(dir, 'sindri.yaml'), configText(spec({ marker: 'two', sourceImage: newest })));
    const dated = 'fresh-20260301-031700';
    const rebuilt = await sindri<{ name: string }>(['build', '--name', dated], { cwd: dir, env });
    assert.equal(rebuilt.status, 0, rebuilt.run.stderr);
    const current = await outdated();
    assert.equal(current.status, 0, JSON.stringify(current.result, null, 2));
    assert.equal(current.result.image?.name, dated, "the family's newest image is the rebuild");
    assert.equal(current.result.source.base?.imageId, newest);
    assert.equal(current.result.config.changed, false, 'the same configuration under its own name');
  });
});
