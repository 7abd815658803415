import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSindri, STACK_TRACE } from '../helpers/cli.ts';

describe('sindri usage errors', () => {
  it('prints its version and exits 0', async () => {
    const result = await runSindri(['--version']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^sindri\/\d+\.\d+\.\d+/);
  });

  it('rejects an unsupported cloud with exit 2, naming the supported ones', async () => {
    const result = await runSindri(['packer', 'validate', '--cloud', 'aws']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unsupported cloud "aws"; supported clouds: alibaba/);
    assert.doesNotMatch(result.stderr, STACK_TRACE);
  });

  it('rejects an unknown flag with exit 2 and no stack trace', async () => {
    const result = await runSindri(['packer', 'validate', '--no-such-flag']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no-such-flag/);
    assert.doesNotMatch(result.stderr, STACK_TRACE);
  });

  it('keeps stdout pure JSON with --json, also for errors', async () => {
    const result = await runSindri(['packer', 'validate', '--cloud', 'gcp', '--json']);
    assert.equal(result.code, 2);
    const parsed = JSON.parse(result.stdout) as { error: { code: string; message: string } };
    assert.equal(parsed.error.code, 'InvalidConfig');
    assert.match(parsed.error.message, /gcp/);
  });

  it('shows a stack trace only with --debug', async () => {
    const plain = await runSindri(['packer', 'validate', '--config', 'does-not-exist.yaml']);
    const debug = await runSindri(['packer', 'validate', '--config', 'does-not-exist.yaml', '--debug']);
    assert.equal(plain.code, 2);
    assert.equal(debug.code, 2);
    assert.match(plain.stderr, /does-not-exist\.yaml/);
    assert.doesNotMatch(plain.stderr, STACK_TRACE);
    assert.match(debug.stderr, STACK_TRACE);
  });
});
