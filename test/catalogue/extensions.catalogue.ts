/**
 * `npm run catalogue`: base, the Sindri CLI and every extension that can install here, each built by
 * the real packer in the emulator's sandbox, each script verifying itself during the build and the
 * image checked afterwards.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { type PackageServer, inImage as run, servePackedCli, sindriBuild, tail } from './harness.ts';

let emu: Emulator;
let cli: PackageServer;
let baseImage = '';

before(async () => {
  emu = await startEmulator({ instances: 'sandbox' });
  cli = await servePackedCli();
});
after(async () => {
  await cli?.close();
  await emu?.stop();
});

const inImage = (imageId: string, command: string) => run(emu, imageId, command);

test('base and sindri: the base packages and the pinned CLI with its own Node.js', async () => {
  const b = await sindriBuild(emu, cli, { name: 'catalogue-base' });
  assert.equal(b.code, 0, tail(b.log));
  console.log(`base build: ${b.seconds} s`);
  baseImage = b.imageId;
  assert.match(await inImage(baseImage, 'sindri --version'), new RegExp(`^sindri/${cli.version} linux-`));
  assert.match(await inImage(baseImage, '/opt/sindri/node/bin/node --version'), /^v24\./);
  await inImage(baseImage, 'jq --version && git --version && curl --version && gpg --version && unzip -v');
  // The test stage ran on an instance of the image: its SBOM lists the packages really installed.
  assert.equal(b.test?.passed, true);
  assert.ok((b.test?.sbom?.packages ?? 0) > 50, `SBOM of ${b.test?.sbom?.packages} packages`);
  const sbom = JSON.parse(readFileSync(b.test?.sbom?.file as string, 'utf8')) as {
    components: Array<{ name: string; purl?: string }>;
  };
  for (const pkg of ['openssh-server', 'jq', 'git'])
    assert.ok(
      sbom.components.some((c) => c.name === pkg && c.purl?.startsWith(`pkg:deb/debian/${pkg}@`)),
      pkg,
    );
});

const VERIFY: Record<string, string> = {
  docker: 'docker --version && docker compose version',
  node: 'node --version && npm --version',
  python: 'python3 --version && python3 -m pip --version && python3 -m venv /tmp/v',
  golang: 'go version',
  rust: 'rustc --version && cargo --version',
  java: 'java -version && javac -version',
};

for (const [extension, verify] of Object.entries(VERIFY)) {
  test(`extension ${extension} (distro source) installs and answers`, async () => {
    assert.ok(baseImage, 'the base image was not built');
    const b = await sindriBuild(emu, cli, {
      name: `catalogue-${extension}`,
      sourceImage: baseImage,
      additional: [extension],
    });
    assert.equal(b.code, 0, tail(b.log));
    console.log(`${extension} build: ${b.seconds} s`);
    // The base image's CLI is kept, not installed again.
    assert.match(b.log, /sindri: CLI [^ ]+ already installed/);
    await inImage(b.imageId, verify);
    // The test stage ran the extension's own check on an instance of the image, before distribution.
    assert.deepEqual(
      b.test?.checks.filter((c) => c.source === `extension ${extension}`).map((c) => c.passed),
      [true],
      JSON.stringify(b.test),
    );
  });
}
