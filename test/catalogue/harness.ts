/**
 * The catalogue's scripts run for real: `sindri packer build` (the real packer) against the emulator
 * in sandbox mode, so every script executes in a Debian root filesystem with the host's network.
 * The in-image CLI is this checkout, packed and served on loopback (CLI_NPM_SPEC); its Node.js and
 * dependencies come from the npm registry.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Emulator } from '../emulator/index.ts';
import { jsonResult, repoRoot, sindriBin } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';

export { launchFromImage } from '../helpers/sandbox.ts';

export const REGION = 'cn-hangzhou';

export interface PackageServer {
  url: string;
  version: string;
  close(): Promise<void>;
}

/** `npm pack` of this checkout (built first by the npm script), served on 127.0.0.1. */
export async function servePackedCli(): Promise<PackageServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sindri-pack-'));
  const [packed] = JSON.parse(
    // --ignore-scripts: prepack would rebuild dist/ under the builds running in parallel (the npm script
    // builds once, first).
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
      cwd: repoRoot,
      encoding: 'utf8',
    }),
  ) as Array<{ filename: string; version: string }>;
  if (!packed) throw new Error('npm pack produced nothing');
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(join(dir, packed.filename)).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${packed.filename}`,
    version: packed.version,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface BuildSpec {
  name: string;
  sourceImage?: string;
  additional?: string[];
  source?: 'upstream' | 'distro';
  security?: { cis_hardening?: boolean; clean_sensitive_data?: boolean; remove_ssh_keys?: boolean };
  /** sindri.yaml's `tests`. */
  tests?: Record<string, unknown>;
  /** image_copy_regions. */
  copyRegions?: string[];
  /** User scripts (build.scripts): file name → content. */
  scripts?: Record<string, string>;
  /** Uploads (build.files): files next to sindri.yaml. */
  uploads?: Array<{ name: string; destination: string; content: string }>;
  /** More build keys (communicator, mirrors, mirrors_in_image). */
  build?: Record<string, unknown>;
}

export interface BuildOutcome {
  code: number;
  imageId: string;
  /** The test stage's result (it runs on an instance of the image, in the sandbox). */
  test?: {
    passed: boolean;
    checks: Array<{ name: string; source: string; passed: boolean }>;
    sbom?: { digest: string; packages: number; file: string };
  };
  /** sindri's stderr: packer's output, for diagnostics. */
  log: string;
  /** The --json envelope. */
  stdout: string;
  seconds: number;
}

export async function sindriBuild(emu: Emulator, cli: PackageServer, spec: BuildSpec): Promise<BuildOutcome> {
  const work = mkdtempSync(join(tmpdir(), 'sindri-catalogue-'));
  const config = {
    version: '1.0',
    name: spec.name,
    extensions: { additional: spec.additional ?? [], source: spec.source ?? 'distro' },
    ...(spec.tests ? { tests: spec.tests } : {}),
    providers: {
      packer: {
        cloud: 'alibaba',
        image_name: spec.name,
        build: {
          cache: false,
          ssh_port: emu.sshPort,
          ssh_timeout: '2m',
          environment: { CLI_NPM_SPEC: cli.url },
          scripts: Object.keys(spec.scripts ?? {}),
          files: (spec.uploads ?? []).map((u) => ({ source: u.name, destination: u.destination })),
          security: {
            cis_hardening: false,
            clean_sensitive_data: true,
            remove_ssh_keys: true,
            ...spec.security,
          },
          ...spec.build,
        },
        alibaba: {
          region: REGION,
          instance_type: 'ecs.g6.large',
          ...(spec.copyRegions ? { image_copy_regions: spec.copyRegions } : {}),
          ...(spec.sourceImage ? { source_image: spec.sourceImage } : {}),
        },
      },
    },
  };
  writeFileSync(join(work, 'sindri.yaml'), stringify(config));
  for (const [name, content] of Object.entries(spec.scripts ?? {}))
    writeFileSync(join(work, name), content, { mode: 0o755 });
  for (const upload of spec.uploads ?? []) writeFileSync(join(work, upload.name), upload.content);
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [sindriBin, 'packer', 'build', '--cloud', 'alibaba', '--json', '--debug'],
    {
      cwd: work,
      env: emulatorEnv(emu.url),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    log += d;
  });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  let imageId = '';
  let test: BuildOutcome['test'];
  if (code === 0) {
    const result = jsonResult(stdout) as { images: Record<string, string>; test?: BuildOutcome['test'] };
    imageId = result.images[REGION] ?? '';
    test = result.test;
  }
  if (code !== 0) log += `\n${stdout}`;
  return {
    code,
    imageId,
    log,
    stdout,
    seconds: Math.round((Date.now() - started) / 1000),
    ...(test ? { test } : {}),
  };
}

/** A shell command's output in a throwaway instance of an image; it must succeed. */
export async function inImage(emu: Emulator, imageId: string, command: string): Promise<string> {
  assert.ok(emu.sandbox, 'the emulator runs no sandbox');
  const r = await emu.sandbox.run({ imageId }, command);
  assert.equal(r.exitCode, 0, `${command}: ${r.stderr}`);
  return r.stdout;
}

/** The last lines of a build's log, for an assertion message. */
export function tail(log: string, lines = 60): string {
  return log.trim().split('\n').slice(-lines).join('\n');
}
