/** Pure pieces of delete and deploy: the confirmation reader, public keys, the journal. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { UsageError } from '../../src/errors.ts';
import {
  keyPairNameFor,
  parsePublicKey,
  privateKeyPath,
  sshCommand,
} from '../../src/lifecycle/deploy-ssh-key.ts';
import { DeleteJournal, journalPath } from '../../src/lifecycle/journal.ts';
import { confirm, isYes } from '../../src/lifecycle/prompt.ts';

describe('confirm', () => {
  it('accepts y and yes, anything else is no', () => {
    for (const a of ['y', 'Y', 'yes', ' YES ']) assert.ok(isYes(a), a);
    for (const a of ['', 'n', 'no', 'yep', 'y y']) assert.ok(!isYes(a), a);
  });
  it('reads one line from a non-terminal stdin and echoes the answer after the question', async () => {
    const out = new PassThrough();
    let written = '';
    out.on('data', (d) => {
      written += String(d);
    });
    assert.equal(
      await confirm('Delete 1 image?', { input: Readable.from(['y\nmore\n']), output: out }),
      true,
    );
    assert.equal(written, 'Delete 1 image? [y/N] y\n');
    assert.equal(
      await confirm('Delete?', { input: Readable.from(['no\n']), output: new PassThrough() }),
      false,
    );
  });
  it('refuses with a usage error (exit 2) when stdin ends without an answer', async () => {
    await assert.rejects(
      confirm('Delete?', { input: Readable.from([]), output: new PassThrough(), skipFlag: '--yes' }),
      (err: unknown) =>
        err instanceof UsageError && err.exitCode === 2 && /--yes/.test(err.actions.join(' ')),
    );
  });
});

describe('public keys', () => {
  const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'dev@example.com' });
  it('parses an OpenSSH public key and names the key pair after it', () => {
    const key = parsePublicKey(`# my key\n${pair.public}\n`);
    assert.equal(key.type, 'ssh-ed25519');
    assert.ok(!key.line.includes('dev@example.com'));
    const name = keyPairNameFor(key.blob);
    assert.match(name, /^sindri-[0-9a-f]{20}$/);
    assert.equal(keyPairNameFor(parsePublicKey(pair.public).blob), name, 'same key, same name');
    const other = ssh2.utils.generateKeyPairSync('ed25519');
    assert.notEqual(keyPairNameFor(parsePublicKey(other.public).blob), name);
  });
  it('rejects private keys, garbage and damaged blobs', () => {
    assert.throws(() => parsePublicKey(pair.private), UsageError);
    assert.throws(() => parsePublicKey('hello'), UsageError);
    assert.throws(() => parsePublicKey('ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIA=='), UsageError);
  });
  it('builds the ssh command from the IP and the key file', () => {
    assert.equal(privateKeyPath('/k/id_ed25519.pub'), '/k/id_ed25519');
    assert.equal(privateKeyPath('/k/key.txt'), undefined);
    assert.equal(sshCommand('203.0.113.7', 'root', '/k/id'), 'ssh -i /k/id root@203.0.113.7');
    assert.equal(sshCommand('203.0.113.7', 'ecs-user', undefined), 'ssh ecs-user@203.0.113.7');
    assert.equal(sshCommand(undefined, 'root', undefined), undefined);
  });
});

describe('delete journal', () => {
  it('lives under XDG_STATE_HOME, else ~/.local/state', () => {
    assert.equal(journalPath({ XDG_STATE_HOME: '/s', HOME: '/h' }), '/s/sindri/deleted-images.json');
    assert.equal(journalPath({ HOME: '/h' }), '/h/.local/state/sindri/deleted-images.json');
  });
  it('keeps the latest entry per image across reopenings and survives a corrupt file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sindri-journal-'));
    try {
      const path = join(dir, 'sub', 'j.json');
      const j = await DeleteJournal.open(path);
      const entry = {
        imageId: 'm-1',
        region: 'cn-a',
        name: 'x',
        snapshotIds: ['s-1'],
        pendingSnapshots: ['s-1'],
        startedAt: '2025-01-01T00:00:00Z',
      };
      await j.put(entry);
      await j.put({ ...entry, deletedAt: '2025-01-01T00:00:01Z', pendingSnapshots: [] });
      const again = await DeleteJournal.open(path);
      assert.deepEqual(again.find('m-1')?.pendingSnapshots, []);
      assert.equal(again.find('m-1', 'cn-b'), undefined);
      assert.equal(JSON.parse(await readFile(path, 'utf8')).entries.length, 1);
      await rm(path);
      await writeFile(path, '{not json');
      assert.equal((await DeleteJournal.open(path)).find('m-1'), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
