// `npm run policy-matrix`: for every action of the minimal RAM policy (`sindri packer doctor
// --print-policy`), a real `sindri packer build` on the emulator as a RAM user holding the policy
// without that one action. Each build must exit 1 with Forbidden.RAM naming the action, and leave
// no resource behind but the ones its message names. An ECS network action that the policy also names
// by its VPC API name (packer calls `ecs:CreateVpc`, the test stage `vpc:CreateVpc`) is removed
// together with it: either name authorises the ECS API's call (docs/emulator.md, RAM rows), so the
// pair is what the build needs.
// Too slow for `npm test` (one real packer build per action); the test suite runs a sample.
//
//   --only ecs:A,ecs:B   just these removals        --variant 1-4   just one configuration
//   --timeout 120        seconds per build (then Ctrl-C, and the build counts as failed)
//   --show               print each build's error message
import { parseArgs } from 'node:util';
import { policyDocument, requiredActions } from '../src/doctor/index.ts';
import {
  config,
  configText,
  policyVariants,
  seedNetwork,
  startEmulator,
  writeConfig,
} from '../test/doctor/helpers.ts';
import { runSindri } from '../test/helpers/cli.ts';
import { emulatorEnv } from '../test/helpers/cloud-env.ts';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    variant: { type: 'string' },
    timeout: { type: 'string', default: '180' },
    show: { type: 'boolean', default: false },
  },
});
const only = args.only ? new Set(args.only.split(',')) : undefined;
const timeoutMs = Number(args.timeout) * 1000;

const emu = await startEmulator();
const net = await seedNetwork(emu);
const variants = policyVariants(net, 'policy-matrix').filter(
  (_, i) => args.variant === undefined || Number(args.variant) === i + 1,
);

/** The error sindri printed with --json (`{ "error": { "code", "message", "hint", … } }`). */
function errorOf(stdout: string): { code?: string; message?: string; text: string } {
  try {
    const error = (JSON.parse(stdout) as { error?: { code?: string; message?: string } }).error ?? {};
    return { ...error, text: JSON.stringify(error) };
  } catch {
    return { text: stdout };
  }
}

function resultOf(stdout: string): { images?: Record<string, string> } {
  try {
    return (JSON.parse(stdout) as { result?: { images?: Record<string, string> } }).result ?? {};
  } catch {
    return {};
  }
}

const TEMPORARY = ['instances', 'eips', 'securityGroups', 'vswitches', 'vpcs', 'keyPairs', 'images'] as const;
/** Count of each kind of build resource alive in the emulator (images: a failed build may keep one). */
function temporaryCounts(): Record<string, number> {
  const live = emu.admin.liveResources();
  return Object.fromEntries(
    TEMPORARY.map((k) => [k, live[k].filter((r) => !['Deleted', 'Released'].includes(r.status)).length]),
  );
}

let seq = 0;
let failures = 0;
let runs = 0;
const started = Date.now();
try {
  for (const v of variants) {
    const { shape } = v;
    const needed = requiredActions(config(shape)).map((a) => a.action);
    console.log(`\n${v.title}: ${needed.length} actions`);
    const alias = (a: string) => (a.startsWith('ecs:') ? `vpc:${a.slice(4)}` : `ecs:${a.slice(4)}`);
    const removals = needed
      .filter((a) => !(a.startsWith('vpc:') && needed.includes(alias(a))))
      .map((a) => (needed.includes(alias(a)) ? [a, alias(a)] : [a]));
    for (const group of removals) {
      const removed = group.join(' and ');
      if (only && !group.some((a) => only.has(a))) continue;
      seq++;
      const user = emu.admin.createRamUser({
        userName: `matrix-${seq}`,
        policies: [
          { policyName: `Matrix${seq}`, document: policyDocument(needed.filter((a) => !group.includes(a))) },
        ],
      });
      const { dir, file } = await writeConfig(
        configText({ name: `matrix-${seq}`, sshPort: emu.sshPort, ...shape }),
      );
      const env = emulatorEnv(emu.url, user);
      const before = temporaryCounts();
      const t0 = Date.now();
      const r = await runSindri(['packer', 'build', '--config', file, '--json'], {
        env,
        cwd: dir,
        timeoutMs,
      });
      const seconds = ((Date.now() - t0) / 1000).toFixed(1);
      runs++;
      const err = errorOf(r.stdout);
      const ok =
        r.code === 1 && err.text.includes('Forbidden.RAM') && group.some((a) => err.text.includes(a));
      if (!ok) failures++;
      console.log(
        `  ${ok ? 'ok  ' : 'FAIL'} without ${removed.padEnd(36)} exit ${r.code} ${(err.code ?? '-').padEnd(18)} ${seconds} s`,
      );
      const after = temporaryCounts();
      // The images the build reports as its result (its error carries them) are not left behind.
      after.images = (after.images ?? 0) - Object.keys(resultOf(r.stdout).images ?? {}).length;
      const left = TEMPORARY.filter((k) => (after[k] ?? 0) > (before[k] ?? 0)).map(
        (k) => `${(after[k] ?? 0) - (before[k] ?? 0)} ${k}`,
      );
      if (left.length > 0) {
        console.log(`       left behind: ${left.join(', ')}`);
        // What a refused clean-up left would fill the account's quotas (VPCs, EIPs) for the builds
        // after it: sweep removes it as the root account, as a user would.
        const swept = await runSindri(['packer', 'sweep', '--yes', '--json'], {
          env: emulatorEnv(emu.url),
          cwd: dir,
        });
        if (swept.code !== 0) console.log(`       sweep: exit ${swept.code} ${errorOf(swept.stdout).text}`);
      }
      if (args.show || !ok) console.log(`${(err.message ?? err.text).replace(/^/gm, '       | ')}`);
    }
  }
} finally {
  await emu.stop();
}
console.log(
  `\n${runs} builds in ${Math.round((Date.now() - started) / 1000)} s: ${runs - failures} failed as they must, ${failures} did not`,
);
process.exit(failures === 0 ? 0 : 1);
