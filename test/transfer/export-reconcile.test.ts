/**
 * runExport against the emulator, in process: ExportImage is never resent blindly (a lost reply or
 * a 5xx is reconciled with DescribeTasks; ImageIsExporting adopts the running task), the format is
 * the one ECS produced, data disks are found by their names.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { SindriError } from '../../src/errors.ts';
import { type RunExportOptions, runExport } from '../../src/transfer/export.ts';
import { type Emulator, EXPORT_ROLE, ROOT_ACCOUNT_ID, startEmulator } from '../emulator/index.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';
import { seedImage } from '../lifecycle/helpers.ts';

let emu: Emulator;
let env: NodeJS.ProcessEnv;
const BUCKET = 'sindri-exports';

before(async () => {
  emu = await startEmulator();
  env = emulatorEnv(emu.url);
});
after(() => emu.stop());
beforeEach(() => {
  emu.admin.reset();
  emu.oss.reset();
  emu.admin.seedAccount({ accountId: ROOT_ACCOUNT_ID, roles: [{ roleName: EXPORT_ROLE }] });
  emu.oss.createBucket(BUCKET);
  emu.oss.setExportSize(4096);
});

async function exportIt(imageId: string, extra: Partial<RunExportOptions> = {}) {
  const warnings: string[] = [];
  const result = await runExport({
    imageId,
    to: `oss://${BUCKET}/golden`,
    format: 'raw',
    region: 'cn-hangzhou',
    env,
    cwd: await mkdtemp(join(tmpdir(), 'sindri-export-')),
    pollInitialMs: 10,
    pollMaxMs: 20,
    lookupDelaysMs: [0, 20],
    onWarning: (_m, code) => warnings.push(code),
    ...extra,
  });
  return { result, warnings };
}

const exportTasks = (region = 'cn-hangzhou') =>
  emu.admin.world.list('task', region, ROOT_ACCOUNT_ID).filter((t) => t.action === 'ExportImage');

test('a 500 that did not start a task: looked up, then sent once more; one task', async () => {
  const { image } = seedImage(emu, { region: 'cn-hangzhou', name: 'golden' });
  emu.admin.injectFault({ action: 'ExportImage', code: 'InternalError', count: 1 });
  const { result } = await exportIt(image.id);
  assert.equal(result.adoptedTask, false);
  assert.equal(exportTasks().length, 1);
  const calls = emu.admin
    .requestLog()
    .filter((r) => r.action === 'ExportImage' || r.action === 'DescribeTasks')
    .map((r) => `${r.action} ${r.status}`);
  // Not resent blindly: two lookups (there was no task) before the second ExportImage.
  assert.deepEqual(calls, ['ExportImage 500', 'DescribeTasks 200', 'DescribeTasks 200', 'ExportImage 200']);
});

test('a lost reply: the task it started is adopted, not a second export', async () => {
  const { image } = seedImage(emu, { region: 'cn-hangzhou', name: 'golden' });
  emu.admin.setTimeScale(0.01);
  emu.admin.injectFault({ action: 'ExportImage', dropResponse: true, count: 1 });
  const { result } = await exportIt(image.id);
  assert.equal(result.adoptedTask, true);
  assert.deepEqual(
    exportTasks().map((t) => t.id),
    [result.taskId],
  );
  assert.equal(emu.admin.requestLog({ action: 'ExportImage' }).length, 1);
  assert.equal(result.key, `golden_${image.id}_system.raw.tar.gz`);
});

test('throttling did not reach ECS: sent again after a wait, without a lookup', async () => {
  const { image } = seedImage(emu, { region: 'cn-hangzhou', name: 'golden' });
  emu.admin.injectFault({ action: 'ExportImage', code: 'Throttling.User', count: 1 });
  await exportIt(image.id);
  assert.equal(exportTasks().length, 1);
  assert.equal(emu.admin.requestLog({ action: 'DescribeTasks' }).length, 0);
  assert.equal(emu.admin.requestLog({ action: 'ExportImage' }).length, 2);
});

test('ImageIsExporting: the running export to the same place is followed; one to elsewhere is reported', async () => {
  const { image } = seedImage(emu, { region: 'cn-hangzhou', name: 'golden' });
  emu.admin.setTimeScale(0.01);
  // Two runs at once (as after a run stopped while its task runs on): one starts, the other follows.
  const [a, b] = await Promise.all([exportIt(image.id), exportIt(image.id)]);
  assert.deepEqual([a.result.adoptedTask, b.result.adoptedTask].sort(), [false, true]);
  assert.equal(a.result.taskId, b.result.taskId);
  assert.equal(exportTasks().length, 1);
  assert.equal(emu.admin.requestLog({ action: 'ExportImage' }).filter((r) => r.status === 403).length, 1);

  emu.admin.setTimeScale(1);
  const running = exportIt(image.id, { to: `oss://${BUCKET}/other` }).catch((e: unknown) => e);
  await new Promise((r) => setTimeout(r, 300));
  // --force: not the object the first part made, a new export.
  const err = await exportIt(image.id, { force: true }).catch((e: unknown) => e);
  assert.ok(err instanceof SindriError, JSON.stringify(err));
  assert.equal(err.code, 'ImageIsExporting');
  assert.match(err.message, /already being exported by task t-\w+ \(to sindri-exports\/other_/);
  assert.match(err.actions[0] ?? '', /CancelTask --RegionId cn-hangzhou --TaskId t-/);
  emu.admin.advanceTime(120_000);
  await running;
});

test('where ImageFormat is honoured the asked format is produced, with no warning; data disks are found', async () => {
  emu.oss.createBucket('sg-exports', { region: 'ap-southeast-1' });
  const { image } = seedImage(emu, { region: 'ap-southeast-1', name: 'golden', snapshots: 3 });
  const { result, warnings } = await exportIt(image.id, {
    to: 'oss://sg-exports/golden',
    region: 'ap-southeast-1',
    format: 'qcow2',
  });
  assert.deepEqual(warnings, []);
  assert.deepEqual([result.requestedFormat, result.format, result.archive], ['qcow2', 'qcow2', 'none']);
  assert.equal(result.key, `golden_${image.id}_system.qcow2`);
  assert.deepEqual(
    result.dataDisks.map((d) => [d.disk, d.key, d.size]),
    [
      ['xvdb', `golden_${image.id}_data_xvdb.qcow2`, 4096],
      ['xvdc', `golden_${image.id}_data_xvdc.qcow2`, 4096],
    ],
  );
  assert.equal(emu.admin.requestLog({ action: 'ExportImage' })[0]?.params.ImageFormat, 'qcow2');

  // Elsewhere ImageFormat is not sent, ECS writes RAW, and the result says what was asked and made.
  const hz = seedImage(emu, { region: 'cn-hangzhou', name: 'golden' }).image;
  const raw = await exportIt(hz.id, { format: 'vmdk' });
  assert.deepEqual(raw.warnings, ['ImageFormatNotHonoured']);
  assert.deepEqual(
    [raw.result.requestedFormat, raw.result.format, raw.result.archive],
    ['vmdk', 'raw', 'tar.gz'],
  );
  assert.equal(emu.admin.requestLog({ action: 'ExportImage' })[1]?.params.ImageFormat, undefined);
});
