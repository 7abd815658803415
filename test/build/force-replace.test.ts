/**
 * `build --force` over an existing image builds the new one first, then swaps: interrupted at any
 * step, every region still has an image named as configured, or the old one; the same command again
 * finishes the replacement, leaving exactly the new image under the name.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Emulator, FaultSpec } from '../emulator/index.ts';
import { startEmulator } from '../emulator/index.ts';
import type { Image } from '../emulator/state.ts';
import { interruptWhen, jsonResult, runSindri } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';
import { PACKER_SIGNATURE, SDK_SIGNATURE } from '../soak/soak.ts';

const NAME = 'force-img';
const REGIONS = ['cn-hangzhou', 'cn-shanghai'];

/** Where the interrupt lands: the progress line that triggers it, and the call held there. */
const STEPS: Array<{ step: string; trigger: RegExp; hold: FaultSpec }> = [
  {
    step: 'packer build',
    trigger: /\] provision +\S/,
    hold: { action: 'StopInstance', latencyMs: 1500, count: 1, signatureMethod: PACKER_SIGNATURE },
  },
  {
    step: 'copy',
    trigger: /: copying m-/,
    hold: { action: 'DescribeImages', latencyMs: 1500, count: 4, signatureMethod: SDK_SIGNATURE },
  },
  {
    step: 'the old image gives the name up',
    trigger: /gave the name up/,
    hold: { action: 'ModifyImageAttribute', latencyMs: 1500, count: 3, signatureMethod: SDK_SIGNATURE },
  },
  {
    step: 'the old image is deleted',
    trigger: /is now force-img/,
    hold: { action: 'DeleteImage', latencyMs: 1500, count: 2, signatureMethod: SDK_SIGNATURE },
  },
];

describe('build --force builds first and swaps last', () => {
  let emu: Emulator;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  before(async () => {
    emu = await startEmulator();
    env = emulatorEnv(emu.url);
    dir = mkdtempSync(join(tmpdir(), 'sindri-force-'));
    writeFileSync(
      join(dir, 'sindri.yaml'),
      [
        'version: "1.0"',
        'name: force-replace',
        'extensions: { profile: minimal }',
        'providers:',
        '  packer:',
        '    cloud: alibaba',
        `    image_name: ${NAME}`,
        `    build: { ssh_port: ${emu.sshPort} }`,
        '    alibaba:',
        '      region: cn-hangzhou',
        '      image_copy_regions: [cn-shanghai]',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
  });

  const own = (region: string) =>
    (emu.admin.world.list('image', region) as Image[]).filter((i) => i.ownerAlias === 'self');

  /** Region → the IDs of the images holding the configured name. */
  const named = () =>
    Object.fromEntries(
      REGIONS.map((r) => [
        r,
        own(r)
          .filter((i) => i.name === NAME)
          .map((i) => i.id),
      ]),
    );

  const interrupt = (trigger: RegExp) =>
    interruptWhen(['packer', 'build', '--force'], { cwd: dir, env, when: trigger });

  it('a first build holds the name in both regions', async () => {
    const r = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    for (const region of REGIONS) assert.equal(named()[region]?.length, 1, region);
  });

  for (const s of STEPS) {
    it(`interrupted at ${s.step}: the name or the old image stays everywhere; the same command finishes`, async () => {
      const old = named();
      const fault = emu.admin.injectFault(s.hold);
      const stopped = await interrupt(s.trigger);
      emu.admin.clearFaults(fault);
      assert.equal(stopped.code, 130, stopped.stderr.slice(-1500));
      for (const region of REGIONS) {
        const holds = own(region).some((i) => i.name === NAME);
        const oldStays = own(region).some((i) => old[region]?.includes(i.id));
        assert.ok(holds || oldStays, `${region}: no image named ${NAME} and the old one is gone`);
      }

      const again = await runSindri(['packer', 'build', '--force', '--json'], { cwd: dir, env });
      assert.equal(again.code, 0, again.stderr.slice(-2000));
      const result = jsonResult(again.stdout) as { images: Record<string, string>; name: string };
      assert.equal(result.name, NAME);
      const now = named();
      for (const region of REGIONS) {
        assert.deepEqual(
          now[region],
          [result.images[region]],
          `${region}: exactly the new image holds the name`,
        );
        assert.ok(
          !old[region]?.some((id) => own(region).some((i) => i.id === id)),
          `${region}: the old one is gone`,
        );
        assert.deepEqual(
          own(region)
            .filter((i) => i.name !== NAME)
            .map((i) => i.name),
          [],
          `${region}: no staging or retired image is left`,
        );
      }
    });
  }
});
