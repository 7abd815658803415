import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  artifactImages,
  imagesFromArtifactId,
  MachineReadableStream,
  parseMachineReadable,
  parseMachineReadableLine,
  uiMessage,
} from '../../src/packer/machine-readable.ts';

const OUTPUT = [
  '1767225600,,ui,say,==> alicloud-ecs.sindri: Prevalidating source region and copied regions...',
  '1767225601,alicloud-ecs.sindri,ui,message,    alicloud-ecs.sindri: Hit:1 http://mirrors.cloud.aliyuncs.com/ubuntu jammy InRelease',
  '1767225602,alicloud-ecs.sindri,ui,error,line one\\nline two%!(PACKER_COMMA) with a comma',
  'not a machine-readable line',
  '1767225700,alicloud-ecs.sindri,artifact-count,1',
  '1767225700,alicloud-ecs.sindri,artifact,0,builder-id,alibaba.alicloud',
  '1767225700,alicloud-ecs.sindri,artifact,0,id,cn-hangzhou:m-bp1aaaa%!(PACKER_COMMA)cn-shanghai:m-uf6bbbb',
  '1767225700,alicloud-ecs.sindri,artifact,0,string,Alicloud images were created:\\n\\ncn-hangzhou: m-bp1aaaa',
  '1767225700,alicloud-ecs.sindri,artifact,0,end',
].join('\n');

describe('machine-readable output', () => {
  it('parses fields and unescapes commas and newlines', () => {
    const e = parseMachineReadableLine(OUTPUT.split('\n')[2] as string);
    assert.deepEqual(e, {
      timestamp: 1767225602,
      target: 'alicloud-ecs.sindri',
      type: 'ui',
      data: ['error', 'line one\nline two, with a comma'],
    });
    assert.deepEqual(uiMessage(e as NonNullable<typeof e>), {
      kind: 'error',
      text: 'line one\nline two, with a comma',
    });
  });

  it('skips lines that are not events', () => {
    assert.equal(parseMachineReadableLine('not a machine-readable line'), undefined);
    assert.equal(parseMachineReadable(OUTPUT).length, 8);
  });

  it('reads the image per region from the artifact id line', () => {
    assert.deepEqual(artifactImages(parseMachineReadable(OUTPUT)), {
      'cn-hangzhou': 'm-bp1aaaa',
      'cn-shanghai': 'm-uf6bbbb',
    });
    assert.deepEqual(imagesFromArtifactId('cn-hangzhou:m-1'), { 'cn-hangzhou': 'm-1' });
    assert.deepEqual(artifactImages(parseMachineReadable('1,,ui,say,nothing built')), {});
  });

  it('parses a stream split at arbitrary points', () => {
    const stream = new MachineReadableStream();
    const events = [];
    for (let i = 0; i < OUTPUT.length; i += 7) events.push(...stream.push(OUTPUT.slice(i, i + 7)));
    events.push(...stream.end());
    assert.deepEqual(events, parseMachineReadable(OUTPUT));
  });
});
