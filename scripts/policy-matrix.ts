// `npm run policy-matrix`: for every action of the minimal RAM policy (`sindri packer doctor
// --print-policy`), a real `sindri packer build` on the emulator as a RAM user holding the policy
// without that one action. Each build must fail (exit 1) and name the action or Forbidden.RAM.
// Too slow for `npm test` (one real packer build per action); the test suite runs a sample.
import { policyDocument, requiredActions } from '../src/doctor/index.ts';
import { config, configText, seedNetwork, startEmulator, writeConfig } from '../test/doctor/helpers.ts';
import { SECOND_ACCOUNT_ID } from '../test/emulator/index.ts';
import { isolatedEnv, runSindri } from '../test/helpers/cli.ts';

const emu = await startEmulator();
const net = await seedNetwork(emu);
const variants = [
  {
    name: 'temporary network, copy and share',
    alibaba: { image_copy_regions: ['cn-shanghai'], image_share_accounts: [SECOND_ACCOUNT_ID] },
  },
  {
    name: 'existing VPC, VSwitch, security group',
    alibaba: { vpc_id: net.vpcId, vswitch_id: net.vswitchId, security_group_id: net.openSg },
  },
];

let seq = 0;
let failures = 0;
let runs = 0;
try {
  for (const v of variants) {
    const needed = requiredActions(config({ alibaba: v.alibaba })).map((a) => a.action);
    console.log(`\n${v.name}: ${needed.length} actions`);
    for (const removed of needed) {
      seq++;
      const user = emu.admin.createRamUser({
        userName: `matrix-${seq}`,
        policies: [
          { policyName: `Matrix${seq}`, document: policyDocument(needed.filter((a) => a !== removed)) },
        ],
      });
      const { dir, file } = await writeConfig(
        configText({ name: `matrix-${seq}`, sshPort: emu.sshPort, alibaba: v.alibaba }),
      );
      const env = isolatedEnv({
        HOME: dir,
        ALIBABA_CLOUD_ACCESS_KEY_ID: user.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: user.accessKeySecret,
        SINDRI_ENDPOINT: emu.url,
        HTTP_PROXY: emu.url,
        HTTPS_PROXY: emu.url,
        NO_PROXY: '127.0.0.1',
      });
      const r = await runSindri(['packer', 'build', '--config', file, '--json'], { env, cwd: dir });
      runs++;
      const action = removed.split(':')[1] as string;
      // Failures in packer's clean-up name the resource; sindri's hint names the action.
      const named = r.stdout.includes('Forbidden.RAM') || r.stdout.includes(action);
      const ok = r.code === 1 && named;
      if (!ok) failures++;
      const code = (/"code": "([^"]+)"/.exec(r.stdout) ?? [])[1] ?? '-';
      console.log(`  ${ok ? 'ok  ' : 'FAIL'} without ${removed.padEnd(36)} exit ${r.code} ${code}`);
    }
  }
} finally {
  await emu.stop();
}
console.log(`\n${runs} builds, ${runs - failures} failed as they must, ${failures} did not`);
process.exit(failures === 0 ? 0 : 1);
