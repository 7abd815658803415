/**
 * What packer's ui events put in the progress display: a failed launch's error once, though
 * packer's closing summary says it twice more; distinct errors each once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { newRefusalTag, refusalIn, refusalLine } from '../../src/packer/cloud-assistant-env.ts';
import type { MachineReadableEvent } from '../../src/packer/machine-readable.ts';
import { readPackerOutput } from '../../src/pipeline/packer-output.ts';
import type { ProgressSink } from '../../src/pipeline/progress.ts';

function display() {
  const lines: string[] = [];
  const sink: ProgressSink = {
    // The text alone: which phase a line lands in is progress.ts's business.
    phase: (_name, detail) => detail && lines.push(detail),
    detail: (text) => lines.push(text),
    end: () => [],
  };
  const out = readPackerOutput({
    scripts: 1,
    progress: sink,
    redact: (t) => t,
    verbose: false,
    onCleanupError: () => {},
  });
  const error = (text: string) =>
    out.onEvent({ timestamp: 0, target: '', type: 'ui', data: ['error', text] } as MachineReadableEvent);
  return { lines, error };
}

/** How packer 1.6.6 reports a launch that failed, as its -machine-readable output has it. */
const failedLaunch = (error: string[]) => [
  error.map((l) => `==> alicloud-ecs.sindri: ${l}`).join('\n'),
  `Build 'alicloud-ecs.sindri' errored after 204 milliseconds 926 microseconds: ${error.join('\n')}`,
  "\n==> Some builds didn't complete successfully and had errors:",
  `--> alicloud-ecs.sindri: ${error.join('\n')}`,
];

test("a failed launch's error is shown once, not again in packer's summary", () => {
  const { lines, error } = display();
  const err = [
    'Error creating instance: SDK.ServerError',
    'ErrorCode: OperationDenied.NoStock',
    'Message: The requested resource is sold out in the specified zone.',
  ];
  for (const e of failedLaunch(err)) error(e);
  assert.deepEqual(lines, err);
});

test('every distinct error is shown, each once, whatever packer repeats', () => {
  const message = fc.stringMatching(/^[A-Z][a-z]{2,12} [a-z]{2,12}: [A-Za-z.]{3,20}$/);
  fc.assert(
    fc.property(fc.uniqueArray(message, { minLength: 1, maxLength: 5 }), (errors) => {
      const { lines, error } = display();
      for (const e of errors) for (const ev of failedLaunch([e])) error(ev);
      assert.deepEqual(lines, errors);
    }),
  );
});

test("the Cloud Assistant helper's refusal lines: the build's tag after packer's prefix, and nothing a script prints", () => {
  const tag = newRefusalTag();
  const refusal = { action: 'RunCommand', code: 'Forbidden.RAM', requestId: 'RID-1' };
  const seen: unknown[] = [];
  const lines: string[] = [];
  const out = readPackerOutput({
    scripts: 1,
    progress: { phase: () => {}, detail: (t) => lines.push(t), end: () => [] },
    redact: (t) => t,
    verbose: true,
    onCleanupError: () => {},
    refusals: { tag, onRefusal: (r) => seen.push(r) },
  });
  const say = (text: string) =>
    out.onEvent({ timestamp: 0, target: '', type: 'ui', data: ['message', text] } as MachineReadableEvent);
  const line = refusalLine(tag, refusal).trimEnd();
  say(`    alicloud-ecs.sindri: ${line}`);
  assert.deepEqual(seen, [refusal]);
  assert.deepEqual(lines, [], 'the line is not shown');
  // A script printing the same words (its output comes through the helper as "│ …"), another tag, or
  // text before the marker: shown, never a refusal.
  fc.assert(
    fc.property(fc.string({ maxLength: 20 }), fc.stringMatching(/^[0-9a-f]{16}$/), (before, other) => {
      fc.pre(other !== tag);
      say(`    alicloud-ecs.sindri: │ ${line}`);
      say(`    alicloud-ecs.sindri: ${refusalLine(other, refusal).trimEnd()}`);
      say(`    alicloud-ecs.sindri: ${before.replace(/^[\w.-]*: ?$/, 'x')}x ${line}`);
    }),
  );
  assert.equal(seen.length, 1);
  assert.equal(refusalIn(line, tag)?.action, 'RunCommand');
});
