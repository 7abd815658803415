/**
 * What a failed packer run left of its image, as the error says it (src/pipeline/packer-failure.ts,
 * imagesLeft): every image named, and a `sindri packer delete` command that takes them all, with
 * --force exactly when one of them lacks sindri's tags (delete refuses those without it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { imagesLeft, refusedError } from '../../src/pipeline/packer-failure.ts';

const image = fc.record({
  imageId: fc.stringMatching(/^m-[a-z0-9]{8,20}$/),
  name: fc.stringMatching(/^[a-z][a-z0-9-]{1,30}$/),
  region: fc.constant('cn-hangzhou'),
  tagged: fc.boolean(),
});

test('every image is named, and the delete command takes them all, with --force only for an untagged one', () => {
  fc.assert(
    fc.property(fc.array(image, { maxLength: 3 }), (images) => {
      const left = imagesLeft(images);
      if (images.length === 0) {
        assert.equal(left, undefined);
        return;
      }
      for (const i of images) assert.ok(left?.sentence.includes(`${i.imageId} (${i.name})`));
      const command = /`sindri packer delete ([^`]*)`/.exec(left?.fix ?? '')?.[1]?.split(' ') ?? [];
      const ids = command.filter((w) => w.startsWith('m-'));
      assert.deepEqual(
        ids,
        images.map((i) => i.imageId),
      );
      assert.deepEqual(command.slice(ids.length, ids.length + 2), ['--region', 'cn-hangzhou']);
      assert.equal(
        command.includes('--force'),
        images.some((i) => !i.tagged),
      );
    }),
  );
});

test('a refused packer call names the image it left, and how to delete it, after the action to allow', () => {
  const refusal = {
    action: 'ModifyImageSharePermission',
    code: 'Forbidden.RAM',
    requestId: 'REQ-1',
    inCleanup: false,
  };
  const left = [{ imageId: 'm-bp1abc', name: 'web', region: 'cn-hangzhou', tagged: false }];
  const err = refusedError([refusal], [], left);
  assert.match(err.message, /m-bp1abc \(web\) in cn-hangzhou and did not delete it/);
  assert.match(err.actions[0] ?? '', /^Allow ecs:ModifyImageSharePermission/);
  assert.match(err.actions[1] ?? '', /`sindri packer delete m-bp1abc --region cn-hangzhou --force`/);
  assert.equal(refusedError([refusal], []).actions.length, 1, 'no image, no delete');
});
