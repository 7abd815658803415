/**
 * `sindri packer export` end to end: the built CLI as a child process against the emulator (ECS + OSS).
 * Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { partPaths } from '../../src/transfer/download-part-file.ts';
import { type Emulator, EXPORT_ROLE, ROOT_ACCOUNT_ID, startEmulator } from '../emulator/index.ts';
import { jsonResult, sindriBin } from '../helpers/cli.ts';
import { type CliSandbox, cliSandbox, seedImage } from '../lifecycle/helpers.ts';

const MiB = 1024 * 1024;
const BUCKET = 'sindri-exports';
let emu: Emulator;
let box: CliSandbox;

before(async () => {
  emu = await startEmulator();
  box = await cliSandbox(emu);
});
after(async () => {
  await box.dispose();
  await emu.stop();
});
beforeEach(() => {
  emu.admin.reset();
  emu.oss.reset();
  emu.admin.seedAccount({ accountId: ROOT_ACCOUNT_ID, roles: [{ roleName: EXPORT_ROLE }] });
  emu.oss.createBucket(BUCKET);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Highest VmHWM seen in /proc/<pid>/status, bytes. */
  peakRss: number;
}

/** Runs the CLI, sampling its resident-set high-water mark; `onStderr` may signal it. */
function run(
  args: string[],
  onStderr?: (text: string, kill: (s: NodeJS.Signals) => void) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [sindriBin, ...args], { cwd: box.cwd, env: box.env });
    let stdout = '';
    let stderr = '';
    let peakRss = 0;
    const sample = async () => {
      try {
        const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
        const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
        peakRss = Math.max(peakRss, kb * 1024);
      } catch {}
    };
    const timer = setInterval(sample, 50);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      onStderr?.(stderr, (s) => child.kill(s));
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, stdout, stderr, peakRss });
    });
  });
}

async function slice(path: string, start: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, start);
    return buf;
  } finally {
    await fh.close();
  }
}

test('export, then a 256 MiB download with a dropped connection: resumed, verified, under 150 MiB of memory; RAW reported where --format is not honoured', async () => {
  const { image } = seedImage(emu, { region: 'cn-hangzhou', name: 'golden-web' });
  const size = 256 * MiB;
  emu.oss.setExportSize(size);
  const dropAt = 100 * MiB + 123;
  emu.oss.dropAfter(dropAt);
  const started = Date.now();
  const r = await run([
    'packer',
    'export',
    image.id,
    '--to',
    `oss://${BUCKET}/golden`,
    '--format',
    'qcow2',
    '--download',
    'out',
    '--json',
    '--debug',
  ]);
  const seconds = (Date.now() - started) / 1000;
  assert.equal(r.code, 0, r.stderr);
  const envelope = JSON.parse(r.stdout);
  const out = jsonResult(r.stdout);
  // cn-hangzhou does not honour ImageFormat: ECS wrote RAW in a tar.gz, found by its real name.
  const key = `golden_${image.id}_system.raw.tar.gz`;
  const head = await emu.oss.head(BUCKET, key);
  assert.equal(out.url, `oss://${BUCKET}/${key}`);
  assert.deepEqual(
    [out.requestedFormat, out.format, out.archive, out.prefix],
    ['qcow2', 'raw', 'tar.gz', 'golden'],
  );
  assert.deepEqual(
    envelope.warnings.map((w: { code: string }) => w.code),
    ['ImageFormatNotHonoured'],
  );
  assert.match(envelope.warnings[0].message, /ap-southeast-1/);
  assert.equal(out.size, size);
  assert.deepEqual(out.checksum, { algorithm: 'crc64ecma', value: head?.crc64 });
  assert.equal(out.download.verifiedBy, 'crc64');
  assert.equal(out.download.crc64, head?.crc64);
  assert.equal(out.download.resumes, 1);
  assert.equal(out.download.requests, 2);
  // The resume asked for exactly the bytes after what had arrived.
  const gets = emu.oss.getLog();
  assert.equal(gets.length, 2);
  assert.equal(gets[0]?.range, 'bytes=0-');
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1]?.range ?? '')?.[1]);
  assert.ok(resumedAt > 0 && resumedAt <= dropAt, `resumed at ${resumedAt}`);
  assert.equal(gets[1]?.status, 206);
  const file = join(box.cwd, 'out', key);
  assert.equal((await stat(file)).size, size);
  const seed = `${out.taskId}:${key}`;
  for (const at of [0, resumedAt - 4096, resumedAt, size - 65536]) {
    assert.deepEqual(
      await slice(file, at, 65536),
      emu.oss.generatedContent(seed, at, at + 65535),
      `bytes at ${at}`,
    );
  }
  await assert.rejects(stat(partPaths(file).part), { code: 'ENOENT' });
  // One export task, never a duplicate.
  assert.equal(emu.admin.requestLog({ action: 'ExportImage' }).length, 1);
  // Two processes: the CLI (cloud SDKs loaded, no transfer buffers) and the download process.
  const cliMiB = Math.max(r.peakRss, out.debug.maxRssBytes) / MiB;
  const downloadMiB = (out.debug.downloadMaxRssBytes ?? Number.NaN) / MiB;
  process.stdout.write(
    `# 256 MiB export+download: ${seconds.toFixed(1)} s, peak RSS of the CLI ${cliMiB.toFixed(1)} MiB, of the download process ${downloadMiB.toFixed(1)} MiB\n`,
  );
  assert.ok(cliMiB < 150, `CLI peak RSS ${cliMiB} MiB`);
  assert.ok(downloadMiB < 150, `download peak RSS ${downloadMiB} MiB`);
});

test('Ctrl-C during the download exits 130 with a partial file; the next run reuses the export and resumes', async () => {
  const { image } = seedImage(emu, { region: 'cn-hangzhou', name: 'golden-db' });
  emu.oss.setExportSize(64 * MiB);
  const args = ['packer', 'export', image.id, '--to', `oss://${BUCKET}/x`, '--download', 'dl'];
  let sent = false;
  const first = await run(args, (text, kill) => {
    if (!sent && /download \d+% /.test(text) && !/download 0% /.test(text.split('\n').at(-2) ?? '')) {
      sent = true;
      kill('SIGINT');
    }
  });
  assert.equal(first.code, 130, first.stderr);
  assert.match(first.stderr, /partial download is kept/);
  const file = join(box.cwd, 'dl', `x_${image.id}_system.raw.tar.gz`);
  await assert.rejects(stat(file), { code: 'ENOENT' });
  const partial = (await stat(partPaths(file).part)).size;
  assert.ok(partial > 0 && partial < 64 * MiB, `partial ${partial}`);

  const second = await run([...args, '--json']);
  assert.equal(second.code, 0, second.stderr);
  const out = jsonResult(second.stdout);
  assert.equal(out.reused, true);
  assert.ok(out.download.resumedFrom >= partial);
  assert.equal(out.download.verifiedBy, 'crc64');
  assert.equal((await stat(file)).size, 64 * MiB);
  assert.equal(emu.admin.requestLog({ action: 'ExportImage' }).length, 1);
});

test('a lost ExportImage reply is not resent: the task it started is found and adopted; polling survives 503s', async () => {
  const { image } = seedImage(emu, { region: 'cn-hangzhou', name: 'golden-lost' });
  emu.oss.setExportSize(1 * MiB);
  emu.admin.setTimeScale(0.01);
  emu.admin.setDelays({ exportImage: 100 });
  emu.admin.injectFault({ action: 'ExportImage', dropResponse: true, count: 1 });
  emu.admin.injectFault({ action: 'DescribeTaskAttribute', code: 'ServiceUnavailable', count: 2 });
  const r = await run(['packer', 'export', image.id, '--to', `oss://${BUCKET}/`, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = jsonResult(r.stdout);
  assert.equal(out.adoptedTask, true);
  assert.equal(out.size, MiB);
  assert.equal(emu.admin.requestLog({ action: 'ExportImage' }).length, 1);
  const tasks = emu.admin.world.list('task', 'cn-hangzhou', ROOT_ACCOUNT_ID);
  assert.deepEqual(
    tasks.map((t) => [t.action, t.resourceId, t.id]),
    [['ExportImage', image.id, out.taskId]],
  );
  // Looked up by what the request would have started: the image, since just before the call.
  const lookup = emu.admin.requestLog({ action: 'DescribeTasks' })[0];
  assert.equal(lookup?.params['ResourceIds.1'], image.id);
  assert.equal(lookup?.params.TaskAction, 'ExportImage');
  assert.match(lookup?.params.StartTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const polls = emu.admin.requestLog({ action: 'DescribeTaskAttribute' });
  assert.ok(polls.filter((p) => p.status === 503).length === 2 && polls.some((p) => p.status === 200));
});

test('invalid input exits 2 before any call, naming --to and suggesting a prefix; a missing bucket fails with the OSS error', async () => {
  const bad = await run(['packer', 'export', 'm-123', '--to', 'oss://Bad_Bucket/x', '--json']);
  assert.equal(bad.code, 2);
  assert.match(JSON.parse(bad.stdout).error.message, /lowercase letters/);

  // OSSPrefix is a name prefix of 1-30 letters and digits, not a directory.
  const dir = await run(['packer', 'export', 'm-123', '--to', `oss://${BUCKET}/exports/2024/`, '--json']);
  assert.equal(dir.code, 2);
  const e = JSON.parse(dir.stdout).error;
  assert.equal(e.code, 'InvalidUsage');
  assert.match(
    e.message,
    /^--to oss:\/\/sindri-exports\/exports\/2024\/: the prefix "exports\/2024\/" is not a directory/,
  );
  assert.deepEqual(e.actions, [
    `use --to oss://${BUCKET}/exports2024 (objects exports2024_<image-id>_system.*)`,
  ]);
  const long = await run(['packer', 'export', 'm-123', '--to', `oss://${BUCKET}/${'a'.repeat(31)}`]);
  assert.equal(long.code, 2);
  assert.match(long.stderr, /--to .*longer than 30 characters/);
  assert.match(long.stderr, new RegExp(`--to oss://${BUCKET}/${'a'.repeat(30)}\\b`));
  assert.equal(emu.admin.requestLog().length, 0);

  const { image } = seedImage(emu, { region: 'cn-hangzhou', name: 'golden-nobucket' });
  const noBucket = await run(['packer', 'export', image.id, '--to', 'oss://missing-bucket', '--json']);
  assert.equal(noBucket.code, 1);
  assert.equal(JSON.parse(noBucket.stdout).error.code, 'NoSuchBucket');
});
