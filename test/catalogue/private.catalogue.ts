/**
 * `npm run catalogue`: private builds for real in the emulator's sandbox. A cloud-assistant build
 * runs every script as a real process through the emulated agent (no EIP, no public address, no
 * inbound rule), with apt pointed at a mirror while it provisions; the image gets its own sources
 * back (restore), or keeps the mirror (keep).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { type AptMirror, startAptMirror } from './apt-mirror.ts';
import { type PackageServer, inImage as run, servePackedCli, sindriBuild, tail } from './harness.ts';

let emu: Emulator;
let cli: PackageServer;
let mirror: AptMirror;
let restored = '';

before(async () => {
  emu = await startEmulator({ instances: 'sandbox' });
  cli = await servePackedCli();
  mirror = await startAptMirror();
});
after(async () => {
  await mirror?.close();
  await cli?.close();
  await emu?.stop();
});

const inImage = (imageId: string, command: string) => run(emu, imageId, command);

function noPublicAccess(): void {
  assert.equal(emu.admin.requestLog({ action: 'AllocateEipAddress' }).length, 0, 'no EIP');
  assert.equal(emu.admin.requestLog({ action: 'AllocatePublicIpAddress' }).length, 0, 'no public IP');
  for (const e of emu.admin.requestLog({ action: 'AuthorizeSecurityGroup' }))
    assert.fail(`an inbound rule was authorized: ${JSON.stringify(e.params)}`);
  for (const e of emu.admin.requestLog({ action: 'CreateInstance' }))
    assert.equal(Number(e.params.InternetMaxBandwidthOut ?? 0), 0, 'no public bandwidth');
  const live = emu.admin.liveResources();
  assert.deepEqual(
    [live.instances, live.eips, live.securityGroups, live.vswitches, live.vpcs, live.keyPairs].flat(),
    [],
    'nothing left behind',
  );
}

test('cloud-assistant: every script runs through the agent with the mirror, and the image gets its sources back', async () => {
  const b = await sindriBuild(emu, cli, {
    name: 'private-restore',
    uploads: [{ name: 'motd', destination: '/etc/motd', content: 'built privately\n' }],
    build: { communicator: 'cloud-assistant', mirrors: { apt: mirror.url }, mirrors_in_image: 'restore' },
  });
  assert.equal(b.code, 0, tail(b.log));
  console.log(`cloud-assistant build: ${b.seconds} s, ${mirror.served.length} files from the mirror`);
  restored = b.imageId;
  // The scripts' own output, streamed through Cloud Assistant into the progress display.
  assert.match(b.log, /sindri: base packages installed/);
  assert.match(b.log, /sindri: package mirrors \(custom\) in 1 files: \/etc\/apt\/sources\.list/);
  assert.match(b.log, /sindri: restored the image's own package sources \(1 files\)/);
  assert.match(b.log, /sindri: cleanup done/);
  assert.ok(
    mirror.served.some((p) => /^\/debian\/dists\/trixie\//.test(p)),
    'apt read the mirror',
  );
  assert.ok(
    mirror.served.some((p) => p.startsWith('/debian-security/')),
    'and its security archive',
  );
  noPublicAccess();
  // Every provisioning script was a Cloud Assistant command, and each succeeded.
  const runs = emu.admin.invocations();
  assert.ok(runs.length > 0);
  assert.deepEqual(
    runs.filter((r) => r.state !== 'Success').map((r) => `${r.state} ${r.content.slice(0, 80)}`),
    [],
  );
  const sources = await inImage(restored, 'cat /etc/apt/sources.list');
  assert.match(sources, /http:\/\/deb\.debian\.org\/debian trixie main/);
  assert.doesNotMatch(sources, /127\.0\.0\.1/);
  assert.equal(await inImage(restored, 'cat /etc/motd'), 'built privately\n');
  await inImage(
    restored,
    '! test -e /var/lib/sindri/mirrors && ! test -e /run/sindri-ca && sindri --version',
  );
});

test('cloud-assistant with mirrors_in_image: keep leaves the mirror in the image', async () => {
  assert.ok(restored, 'the first image was not built');
  const b = await sindriBuild(emu, cli, {
    name: 'private-keep',
    sourceImage: restored,
    build: { communicator: 'cloud-assistant', mirrors: { apt: mirror.url }, mirrors_in_image: 'keep' },
  });
  assert.equal(b.code, 0, tail(b.log));
  console.log(`keep build: ${b.seconds} s`);
  assert.doesNotMatch(b.log, /restored the image's own package sources/);
  const sources = await inImage(b.imageId, 'cat /etc/apt/sources.list');
  assert.ok(sources.includes(mirror.url.replace('{distro}', 'debian')), sources);
  assert.ok(sources.includes(mirror.url.replace('{distro}', 'debian-security')), sources);
  noPublicAccess();
});
