/**
 * End to end through the real packer: the rendered provisioners run (packer's null builder) against a
 * tiny SSH server that accepts scp uploads and records commands. The environment values packer passes to
 * the scripts must be exactly the configured text, which proves the escaping model (HCL, then packer's
 * single Go-template pass, then packer's shell quoting in the uploaded environment file) on the real
 * binary. (Without use_env_var_file, packer 1.6.6 templates the values a second time inside
 * execute_command; this test is how that was found.)
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the test data is HCL and shell text
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import ssh2 from 'ssh2';
import type { SindriConfig } from '../../src/config/types.ts';
import { findPacker, PACKER_BASE_ENV } from '../../src/packer/binary.ts';
import { renderTemplate, writeTemplate } from '../../src/render/render.ts';
import { makeConfig, packerEnv, RENDER_OPTS, withTempDir } from './fixtures.ts';

interface Recorded {
  commands: string[];
  uploads: Map<string, string>;
}

/** An SSH server that takes any password, acts as an scp sink and answers every command with exit 0. */
function fakeSsh(rec: Recorded): ssh2.Server {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return new ssh2.Server({ hostKeys: [privateKey] }, (client) => {
    client.on('authentication', (ctx) => ctx.accept());
    client.on('error', () => {});
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec();
          rec.commands.push(info.command);
          const scp = /^scp -vt (\S+)/.exec(info.command);
          if (!scp) {
            stream.exit(0);
            stream.end();
            return;
          }
          // scp sink: ack, read "C<mode> <size> <name>\n", ack, read the data and a zero byte, ack.
          let buf = Buffer.alloc(0);
          let header: { size: number; name: string } | undefined;
          stream.write(Buffer.from([0]));
          stream.on('data', (chunk: Buffer) => {
            buf = Buffer.concat([buf, chunk]);
            for (;;) {
              if (!header) {
                const nl = buf.indexOf(10);
                if (nl < 0) return;
                const line = buf.subarray(0, nl).toString('utf8');
                buf = buf.subarray(nl + 1);
                const m = /^C\d+ (\d+) (.*)$/.exec(line);
                if (m) header = { size: Number(m[1]), name: m[2] as string };
                stream.write(Buffer.from([0]));
                continue;
              }
              if (buf.length < header.size + 1) return;
              rec.uploads.set(`${scp[1]}/${header.name}`, buf.subarray(0, header.size).toString('utf8'));
              buf = buf.subarray(header.size + 1);
              header = undefined;
              stream.write(Buffer.from([0]));
            }
          });
          stream.on('end', () => {
            stream.exit(0);
            stream.end();
          });
        });
      });
    });
  });
}

/** The `export NAME='value'` lines of an environment file packer uploads, with its '"'"' quoting undone. */
function envOfFile(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const m of text.matchAll(/^export ([A-Za-z_][A-Za-z0-9_]*)='((?:[^']|'"'"')*)'$/gm)) {
    env.set(m[1] as string, (m[2] as string).replaceAll(`'"'"'`, "'"));
  }
  return env;
}

/** The rendered template with its alicloud-ecs source swapped for a null builder talking to `port`. */
function onNullBuilder(hcl: string, port: number): string {
  const start = hcl.indexOf('source "alicloud-ecs" "sindri" {');
  const end = hcl.indexOf('\n}\n', start) + 3;
  assert.ok(start >= 0 && end > start);
  const nullSource = [
    'source "null" "sindri" {',
    '  communicator = "ssh"',
    '  ssh_host     = "127.0.0.1"',
    `  ssh_port     = ${port}`,
    '  ssh_username = "root"',
    '  ssh_password = "not-a-secret"',
    '}',
    '',
  ].join('\n');
  return (
    hcl.slice(0, start) +
    nullSource +
    hcl.slice(end).replace('source.alicloud-ecs.sindri', 'source.null.sindri')
  );
}

const rec: Recorded = { commands: [], uploads: new Map() };
const server = fakeSsh(rec);
let port = 0;
const packer = await findPacker(packerEnv());
if (!packer) throw new Error('this test needs the real packer on PATH');

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.close();
});

async function runProvisioners(config: SindriConfig): Promise<Map<string, string>[]> {
  rec.commands.length = 0;
  rec.uploads.clear();
  const r = await renderTemplate(config, {
    ...RENDER_OPTS,
    configDir: import.meta.dirname,
    packerVersion: packer?.version ?? '1.6.6',
  });
  r.files.set(r.mainFile, onNullBuilder(r.files.get(r.mainFile) as string, port));
  await withTempDir(async (dir) => {
    await writeTemplate(r, dir);
    const { execa } = await import('execa');
    const res = await execa(packer?.path ?? 'packer', ['build', ...r.packerArgs, r.mainFile], {
      cwd: dir,
      env: { ...packerEnv(), ...PACKER_BASE_ENV },
      extendEnv: false,
      reject: false,
      all: true,
      timeout: 60_000,
    });
    assert.equal(res.exitCode, 0, res.all);
  });
  // Each script runs as ". <env file> && <script>"; the environment file is an upload.
  const runs = rec.commands.filter((c) => c.startsWith('chmod +x '));
  return runs.map((command) => {
    const file = /\. (\S+) &&/.exec(command)?.[1];
    assert.ok(file, command);
    const text = rec.uploads.get(file);
    assert.ok(text !== undefined, `no upload ${file}`);
    return envOfFile(text);
  });
}

const tricky = fc.constantFrom(
  '${',
  '%{',
  '{{',
  '}}',
  '$${',
  '%%{',
  '"',
  "'",
  '\\',
  '\n',
  '\t',
  '`',
  '$(id)',
  '{{"{{"}}',
  'e\u0301',
  '镜像',
  ' ',
);
const value = fc
  .array(fc.oneof({ weight: 3, arbitrary: tricky }, fc.string({ unit: 'grapheme-ascii', maxLength: 5 })), {
    maxLength: 8,
  })
  .map((p) => p.join(''))
  .filter((s) => !s.includes('\u0000'));

describe('the real packer runs the rendered provisioners', () => {
  it('passes every environment value and destination to the scripts exactly', async () => {
    const samples = fc.sample(fc.tuple(value, value, value), { numRuns: 1, seed: 7 });
    samples.push(['\'$(rm -rf /)\' ${HOME} {{ .Vars }} "q" \\', '%{ if x }{{ build_name }}', 'line1\nline2']);
    for (const [i, [a, b, dest]] of samples.entries()) {
      // The last case logs in as a non-root user: scripts then run through sudo with the same file.
      const user = i === samples.length - 1 ? 'ecs-user' : 'root';
      const cfg = makeConfig({
        build: {
          ssh_username: user,
          environment: { A_VALUE: a, B_VALUE: b },
          files: [{ source: 'fixtures.ts', destination: `/opt/${dest}` }],
        },
      });
      // Uploads resolve against the directory of this test.
      const envs = await runProvisioners(cfg);
      if (user !== 'root') {
        assert.ok(rec.commands.some((c) => /sudo -n sh -c '\. \S+ && exec \/tmp\/script_\d+\.sh'/.test(c)));
      }
      assert.ok(envs.length >= 5, `expected every script to run, got ${envs.length}`);
      for (const env of envs) {
        assert.equal(env.get('A_VALUE'), a.normalize('NFC'));
        assert.equal(env.get('B_VALUE'), b.normalize('NFC'));
        assert.equal(env.get('SINDRI_FILE_0_DEST'), `/opt/${dest}`.normalize('NFC'));
        assert.equal(env.get('SINDRI_SSH_USERNAME'), user);
      }
      // Scripts arrive unchanged (packer does not template their content).
      const scripts = [...rec.uploads.values()];
      assert.ok(scripts.some((s) => s.includes('sindri: cleanup done')));
    }
  });
});
