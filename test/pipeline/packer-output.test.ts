/**
 * What packer's ui events put in the progress display: a failed launch's error once, though
 * packer's closing summary says it twice more; distinct errors each once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
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
