/**
 * The printed minimal policy is exact: a real `sindri packer build` (real packer 1.6.6 through the
 * emulator) run as a RAM user holding only that policy succeeds, calls exactly those actions, and
 * with any single action removed doctor predicts the failure; a few removals are also built for real.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resolveConfig } from '../../src/config/load.ts';
import type { SindriConfig } from '../../src/config/types.ts';
import { failureCleanupActions, policyDocument, requiredActions, runDoctor } from '../../src/doctor/index.ts';
import { interruptWhen, isolatedEnv, jsonResult, runSindri } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';
import { PACKER_SIGNATURE } from '../soak/soak.ts';
import {
  cloudEnv,
  config,
  configText,
  type Emulator,
  type Keys,
  type Network,
  type PolicyShape,
  policyVariants,
  seedNetwork,
  startEmulator,
  writeConfig,
} from './helpers.ts';

let emu: Emulator;
let net: Network;
let seq = 0;

before(async () => {
  emu = await startEmulator();
  net = await seedNetwork(emu);
});
after(() => emu.stop());

type Variant = ReturnType<typeof policyVariants>[number];
const variants = (): Variant[] => policyVariants(net, 'minimal-policy');

function userWith(policy: object, extra: string[] = []): Keys & { userName: string } {
  const userName = `build-${++seq}`;
  const u = emu.admin.createRamUser({
    userName,
    policies: [{ policyName: `Sindri${seq}`, document: policy as Record<string, unknown> }, ...extra],
  });
  return { userName, accessKeyId: u.accessKeyId, accessKeySecret: u.accessKeySecret };
}

/** A real `sindri packer build`; `suffix` is appended to the configuration (keys under `packer:`). */
async function build(
  shape: PolicyShape,
  keys: Keys,
  name: string,
  opts: { suffix?: string; args?: string[] } = {},
) {
  const { dir, file } = await writeConfig(
    configText({ name, sshPort: emu.sshPort, ...shape }) + (opts.suffix ?? ''),
  );
  const env = emulatorEnv(emu.url, keys);
  return {
    ...(await runSindri(['packer', 'build', '--config', file, '--json', ...(opts.args ?? [])], {
      env,
      cwd: dir,
    })),
    dir,
    file,
  };
}

/** `ecs:Action` of every call a key made (any outcome). */
function actionsCalledBy(keys: Keys): { called: Set<string>; forbidden: string[] } {
  const log = emu.admin.requestLog().filter((e) => e.accessKeyId === keys.accessKeyId && e.action);
  return {
    called: new Set(log.map((e) => `${e.product}:${e.action}`)),
    forbidden: log.filter((e) => e.code === 'Forbidden.RAM').map((e) => `${e.product}:${e.action}`),
  };
}

const cfg = (v: Variant): SindriConfig => config(v.shape);

/** The JSON error of a failed build, as one string to search. */
const errorText = (stdout: string): string =>
  JSON.stringify((JSON.parse(stdout) as { error?: unknown }).error ?? {});

describe('the minimal policy', () => {
  for (const i of [0, 1, 2, 3]) {
    test(`a build as a RAM user holding exactly the printed policy succeeds and calls exactly its actions (variant ${i})`, async () => {
      const v = variants()[i] as Variant;
      const needed = requiredActions(cfg(v)).map((a) => a.action);
      const keys = userWith(policyDocument(needed));
      const r = await build(v.shape, keys, `minimal-${v.name}`);
      assert.equal(r.code, 0, r.stderr);
      const result = jsonResult(r.stdout) as { imageId: string; images: Record<string, string> };
      assert.match(result.imageId, /^m-/);
      const { called, forbidden } = actionsCalledBy(keys);
      assert.deepEqual(forbidden, []);
      assert.deepEqual(
        [...called].sort(),
        [...needed].sort(),
        'requiredActions must equal the actions the build called',
      );
      if (v.name === 'temporary-network') {
        assert.ok(result.images['cn-shanghai'], 'copied to cn-shanghai');
        // The image and its copy joined the family, each in its region.
        for (const [region, id] of Object.entries(result.images))
          assert.equal(emu.admin.world.get('image', region, id)?.imageFamily, v.shape.family, region);
      }
    });
  }

  test('the CLI prints the same policy, and doctor --json passes for a RAM user holding it (plus RAM read)', async () => {
    const v = variants()[1] as Variant;
    const { dir, file } = await writeConfig(configText({ name: 'doctor-cli', alibaba: v.shape.alibaba }));
    const printed = await runSindri(['packer', 'doctor', '--print-policy', '--config', file], {
      env: isolatedEnv({ HOME: dir }),
      cwd: dir,
    });
    assert.equal(printed.code, 0, printed.stderr);
    const policy = JSON.parse(printed.stdout);
    assert.deepEqual(policy, policyDocument(requiredActions(cfg(v))));
    assert.match(printed.stderr, /never calls ecs:DeleteImage or ecs:DeleteSnapshot; allow them too/);
    const forced = await runSindri(['packer', 'doctor', '--print-policy', '--force', '--config', file], {
      env: isolatedEnv({ HOME: dir }),
      cwd: dir,
    });
    assert.ok(JSON.parse(forced.stdout).Statement[0].Action.includes('ecs:DeleteImage'), '--force deletes');
    assert.doesNotMatch(forced.stderr, /never calls/);

    const keys = userWith(policy, ['AliyunRAMReadOnlyAccess']);
    const env = isolatedEnv({
      HOME: dir,
      ALIBABA_CLOUD_ACCESS_KEY_ID: keys.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: keys.accessKeySecret,
      SINDRI_ENDPOINT: emu.url,
    });
    const r = await runSindri(['packer', 'doctor', '--config', file, '--json'], { env, cwd: dir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = jsonResult(r.stdout) as {
      ok: boolean;
      checks: Array<{ id: string; status: string; detail: string }>;
    };
    assert.equal(report.ok, true);
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    assert.equal(byId.ram?.status, 'pass', byId.ram?.detail);
    // The placement's look-ups are in the build policy now: the instance type check passes with it.
    assert.equal(byId['instance-type']?.status, 'pass', byId['instance-type']?.detail);
    for (const c of report.checks)
      assert.ok(['pass', 'warn'].includes(c.status), `${c.id}: ${c.status} ${c.detail}`);

    // A failing check makes the exit code 1; the report stays on stdout, the verdict on stderr.
    const failing = await runSindri(['packer', 'doctor', '--config', file, '--region', 'cn-nowhere-1'], {
      env,
      cwd: dir,
    });
    assert.equal(failing.code, 1);
    assert.match(failing.stderr, /check\(s\) failed: region/);
    assert.match(failing.stdout, /✗ region\s+unknown region: cn-nowhere-1/);
  });

  test('with any single action removed, doctor names exactly that action', async () => {
    for (const v of variants()) {
      const c = cfg(v);
      const needed = requiredActions(c).map((a) => a.action);
      for (const removed of needed) {
        // An ECS-API network action is also allowed by its vpc: name, which the test stage needs anyway.
        if (removed.startsWith('ecs:') && needed.includes(removed.replace(/^ecs:/, 'vpc:'))) continue;
        const keys = userWith(policyDocument(needed.filter((a) => a !== removed)), [
          'AliyunRAMReadOnlyAccess',
        ]);
        const report = await runDoctor({
          env: cloudEnv(emu, keys),
          home: '/nonexistent',
          config: c,
          only: ['ram'],
        });
        const ram = report.checks[0];
        assert.equal(ram?.status, 'fail', `${v.name} without ${removed}: ${ram?.detail}`);
        assert.match(ram?.detail ?? '', new RegExp(`not allowed: ${removed}$`));
        assert.equal(report.ok, false);
      }
    }
  });

  test('with the failure clean-up actions too, a build failing after CreateImage leaves no image', async () => {
    const v = variants()[1] as Variant;
    const needed = requiredActions(cfg(v)).map((a) => a.action);
    const onFailure = failureCleanupActions(cfg(v)).map((a) => a.action);
    assert.deepEqual(onFailure, ['ecs:DeleteImage', 'ecs:DeleteSnapshot']);
    const removed = 'ecs:ModifyImageSharePermission';
    const keys = userWith(policyDocument([...needed.filter((a) => a !== removed), ...onFailure]));
    const before = emu.admin.liveResources();
    const r = await build(v.shape, keys, 'fails-after-image');
    assert.equal(r.code, 1, r.stderr);
    assert.ok(errorText(r.stdout).includes(removed));
    assert.deepEqual(
      actionsCalledBy(keys).forbidden.filter((a) => a !== removed),
      [],
      'only the removed action was refused',
    );
    const after = emu.admin.liveResources();
    assert.equal(after.images.length, before.images.length, 'packer deleted its half-made image');
    assert.equal(after.snapshots.length, before.snapshots.length, 'and its snapshots');
  });

  test('without them, a build failing after CreateImage names the image packer left, and its deletion works', async () => {
    const v = variants()[1] as Variant;
    const needed = requiredActions(cfg(v)).map((a) => a.action);
    const removed = 'ecs:ModifyImageSharePermission';
    const keys = userWith(policyDocument(needed.filter((a) => a !== removed)));
    const before = new Set(emu.admin.liveResources().images.map((i) => i.id));
    const r = await build(v.shape, keys, 'leaves-its-image');
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(
      [...new Set(actionsCalledBy(keys).forbidden)].sort(),
      [removed, 'ecs:DeleteImage'].sort(),
      "the share, and packer's clean-up of the image",
    );
    const left = emu.admin.liveResources().images.filter((i) => !before.has(i.id));
    assert.equal(left.length, 1, 'packer could not delete its image');
    const image = left[0] as (typeof left)[number];
    const error = (JSON.parse(r.stdout) as { error: { code: string; message: string; actions: string[] } })
      .error;
    assert.equal(error.code, 'Forbidden.RAM');
    assert.ok(error.message.includes(`${image.id} (leaves-its-image)`), error.message);
    const fix = error.actions.find((a) => a.includes('sindri packer delete')) ?? '';
    const command = /`sindri (packer delete [^`]+)`/.exec(fix)?.[1];
    assert.equal(command, `packer delete ${image.id} --region ${image.regionId}`, fix);
    // The suggested command, run as a user who may delete (the root account), removes it.
    const { dir } = await writeConfig(configText({ name: 'cleanup', alibaba: v.shape.alibaba }));
    const deleted = await runSindri([...command.split(' '), '--yes', '--json'], {
      env: emulatorEnv(emu.url),
      cwd: dir,
    });
    assert.equal(deleted.code, 0, deleted.stdout + deleted.stderr);
    assert.ok(!emu.admin.liveResources().images.some((i) => i.id === image.id), 'the image is gone');
  });

  test('interrupted while packer waits for its image, the build names the image it could not delete', async () => {
    const v = variants()[1] as Variant;
    const keys = userWith(policyDocument(requiredActions(cfg(v)).map((a) => a.action)));
    const before = new Set(emu.admin.liveResources().images.map((i) => i.id));
    const { dir, file } = await writeConfig(
      configText({ name: 'interrupted-image', sshPort: emu.sshPort, ...v.shape }),
    );
    emu.admin.injectFault({
      action: 'DescribeImages',
      latencyMs: 3000,
      count: 1,
      signatureMethod: PACKER_SIGNATURE,
    });
    const r = await interruptWhen(['packer', 'build', '--config', file], {
      cwd: dir,
      env: emulatorEnv(emu.url, keys),
      when: /\] image +/,
    });
    assert.ok(r.sent, r.stderr);
    assert.equal(r.code, 130, r.stderr);
    const left = emu.admin.liveResources().images.filter((i) => !before.has(i.id));
    assert.equal(left.length, 1, `packer's DeleteImage was refused: ${r.stderr}`);
    const id = left[0]?.id as string;
    assert.ok(r.stderr.includes(`${id} (interrupted-image)`), r.stderr);
    assert.ok(r.stderr.includes(`sindri packer delete ${id} --region cn-hangzhou`), r.stderr);
  });

  test('with encryption, retention and --force the printed policy still suffices', async () => {
    const alibaba = { vpc_id: net.vpcId, vswitch_id: net.vswitchId, image_encrypted: true };
    const retention = '    retention:\n      keep: 1\n';
    const c = resolveConfig({
      text: configText({ name: 'lifecycle-v1', alibaba }) + retention,
      displayFile: 'sindri.yaml',
      env: {},
    }).config;
    const needed = requiredActions(c, { force: true }).map((a) => a.action);
    for (const a of ['ecs:CopyImage', 'ecs:ModifyImageAttribute', 'ecs:DeleteImage', 'ecs:DeleteSnapshot'])
      assert.ok(needed.includes(a), a);
    assert.ok(!requiredActions(config({ alibaba: {} })).some((a) => a.action === 'ecs:DeleteImage'));
    const keys = userWith(policyDocument(needed));
    // v1; v2 deprecates v1 (retention); v2 again with --force replaces the first v2.
    for (const [name, args] of [
      ['lifecycle-v1', []],
      ['lifecycle-v2', []],
      ['lifecycle-v2', ['--force']],
    ] as const) {
      const r = await build({ alibaba }, keys, name, {
        suffix: retention,
        args: [...args],
      });
      assert.equal(r.code, 0, `${name} ${args.join(' ')}: ${r.stdout}`);
    }
    const { called, forbidden } = actionsCalledBy(keys);
    assert.deepEqual(forbidden, []);
    for (const a of called) assert.ok(needed.includes(a), `${a} was called but is not in the policy`);
    for (const a of ['ecs:CopyImage', 'ecs:ModifyImageAttribute', 'ecs:DeleteImage', 'ecs:DeleteSnapshot'])
      assert.ok(called.has(a), `${a} was exercised`);
  });

  // Real builds with one action removed, one per way it is caught: sindri's read probe before packer
  // starts, packer's own call (seen by the API watch), sindri's distribution, and packer's cleanup.
  // The emulator's refusals name no action, as the real API's messages do not: sindri names it.
  const samples: Array<{ removed: string; code: string; variant: number }> = [
    { removed: 'ecs:DescribeInstances', code: 'Forbidden.RAM', variant: 0 },
    { removed: 'ecs:DescribeAvailableResource', code: 'Forbidden.RAM', variant: 0 },
    { removed: 'ecs:CreateImage', code: 'Forbidden.RAM', variant: 0 },
    { removed: 'ecs:AuthorizeSecurityGroupEgress', code: 'Forbidden.RAM', variant: 0 },
    { removed: 'ecs:CopyImage', code: 'DistributionFailed', variant: 0 },
    { removed: 'ecs:DeleteKeyPairs', code: 'CleanupFailed', variant: 1 },
    // Cloud Assistant: the helper's own call (not packer's, so not seen by the API watch), and the
    // clean-up of the network sindri made for the build.
    { removed: 'ecs:RunCommand', code: 'Forbidden.RAM', variant: 2 },
    { removed: 'ecs:DeleteVSwitch', code: 'CleanupFailed', variant: 2 },
  ];
  for (const { removed, code, variant } of samples) {
    test(`a real build without ${removed} fails with Forbidden.RAM naming it (${code})`, async () => {
      const v = variants()[variant] as Variant;
      const needed = requiredActions(cfg(v)).map((a) => a.action);
      const keys = userWith(policyDocument(needed.filter((a) => a !== removed)));
      const before = emu.admin.liveResources();
      const r = await build(v.shape, keys, `without-${removed.slice(4).toLowerCase()}`);
      assert.deepEqual([...new Set(actionsCalledBy(keys).forbidden)], [removed]);
      assert.equal(r.code, 1, r.stderr);
      const error = JSON.parse(r.stdout).error as { code: string };
      assert.equal(error.code, code);
      const text = errorText(r.stdout);
      assert.match(text, /Forbidden\.RAM/);
      assert.ok(text.includes(removed), `the error names ${removed}: ${text}`);
      assert.ok(text.includes(`Allow ${removed}`), 'the fix names the action to allow');
      const after = emu.admin.liveResources();
      // Only a refused clean-up leaves something behind, and the error names each of it: the key pairs
      // packer and the test stage could not delete, or the VSwitches sindri made (and the VPCs that
      // hold them).
      const kinds = ['instances', 'eips', 'securityGroups', 'vswitches', 'vpcs', 'keyPairs'] as const;
      const left = kinds.flatMap((kind) => {
        const had = new Set(before[kind].map((x) => x.id));
        return after[kind].filter((x) => !had.has(x.id)).map((x) => ({ kind, id: x.id }));
      });
      if (code !== 'CleanupFailed') assert.deepEqual(left, [], 'nothing left behind');
      else assert.ok(left.length > 0, 'the refused delete really left something');
      for (const { kind, id } of left) {
        assert.ok(
          removed === 'ecs:DeleteKeyPairs' ? kind === 'keyPairs' : kind === 'vswitches' || kind === 'vpcs',
          `${kind} ${id} left behind`,
        );
        assert.ok(text.includes(id), `the error names ${id}`);
      }
      if (removed === 'ecs:DeleteKeyPairs')
        assert.equal(left.length, 2, "packer's key pair and the test stage's");
    });
  }
});
