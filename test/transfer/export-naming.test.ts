/** `--to` as ExportImage's OSSPrefix, and what an exported object's name says. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import {
  describeExportedObject,
  honoursImageFormat,
  IMAGE_FORMAT_REGIONS,
  producedFormat,
} from '../../src/transfer/export-format.ts';
import { cleanPrefix, parseExportTarget } from '../../src/transfer/export-target.ts';

test('--to takes a bucket and a prefix of 1-30 letters and digits', () => {
  assert.deepEqual(parseExportTarget('oss://my-images'), { bucket: 'my-images', prefix: undefined });
  assert.deepEqual(parseExportTarget('oss://my-images/'), { bucket: 'my-images', prefix: undefined });
  assert.deepEqual(parseExportTarget('oss://my-images/Golden2024'), {
    bucket: 'my-images',
    prefix: 'Golden2024',
  });
  assert.deepEqual(parseExportTarget(`oss://my-images/${'x'.repeat(30)}`).prefix, 'x'.repeat(30));
});

test('a prefix that is a path, too long or not alphanumeric exits 2 naming the flag, with a cleaned prefix', () => {
  const cases: Array<[string, RegExp, string]> = [
    ['oss://b-1/exports/', /the prefix "exports\/" is not a directory/, 'use --to oss://b-1/exports '],
    ['oss://b-1/team/web', /is not a directory/, 'use --to oss://b-1/teamweb '],
    [`oss://b-1/${'a'.repeat(31)}`, /is longer than 30 characters/, `use --to oss://b-1/${'a'.repeat(30)} `],
    ['oss://b-1/golden-web_1', /may contain only letters and digits/, 'use --to oss://b-1/goldenweb1 '],
    ['oss://b-1/---', /may contain only letters and digits/, 'use --to oss://b-1 (no prefix)'],
  ];
  for (const [value, message, fix] of cases) {
    const err = (() => {
      try {
        parseExportTarget(value);
      } catch (e) {
        return e;
      }
      return assert.fail(`${value} was accepted`);
    })();
    assert.ok(err instanceof UsageError);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, new RegExp(`^--to ${value.replace(/[/.]/g, '\\$&')}: `));
    assert.match(err.message, message);
    assert.ok(err.actions[0]?.startsWith(fix), `${err.actions[0]} should start with ${fix}`);
  }
  assert.equal(cleanPrefix('a/b-c_d.e'), 'abcde');
});

test('object names say the disk, the format and the packing', () => {
  const stem = 'golden_m-bp1abc';
  assert.deepEqual(describeExportedObject(`${stem}_system.raw.tar.gz`, stem), {
    disk: 'system',
    format: 'raw',
    archive: 'tar.gz',
  });
  assert.deepEqual(describeExportedObject(`${stem}_data_xvdb.raw.tar.gz`, stem), {
    disk: 'data',
    device: 'xvdb',
    format: 'raw',
    archive: 'tar.gz',
  });
  assert.deepEqual(describeExportedObject(`${stem}_system.qcow2`, stem), {
    disk: 'system',
    format: 'qcow2',
    archive: undefined,
  });
  // Another image whose ID starts the same, and names that are not of the export.
  assert.equal(describeExportedObject('golden_m-bp1abcd_system.raw.tar.gz', stem), undefined);
  assert.equal(describeExportedObject(`${stem}_t-123.vhd`, stem), undefined);
});

test('ImageFormat is honoured in the nine regions of the API reference, else RAW', () => {
  assert.equal(IMAGE_FORMAT_REGIONS.length, 9);
  assert.equal(honoursImageFormat('ap-southeast-1'), true);
  assert.equal(producedFormat('ap-northeast-1', 'vmdk'), 'vmdk');
  assert.equal(producedFormat('cn-hangzhou', 'qcow2'), 'raw');
  assert.equal(producedFormat('cn-hangzhou', 'raw'), 'raw');
});
