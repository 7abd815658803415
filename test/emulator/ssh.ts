/** Fake instances over SSH: one ssh2 server on 127.0.0.1 that impersonates every running instance. */
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { Sandbox } from './sandbox/sandbox.ts';
import { bridgeToSandbox, SFTP_SERVER } from './sandbox/ssh-bridge.ts';
import { type FakeFs, type SaveUpload, scpSink, sftpServer } from './ssh-recorded-files.ts';
import type { Instance, World } from './state.ts';

const { Server, utils } = ssh2;
type ParsedKey = ssh2.ParsedKey;

export interface Upload {
  path: string;
  mode: string;
  size: number;
  /** UTF-8 text of the file (uploads are provisioning scripts and small files). */
  content: string;
  via: 'scp' | 'sftp' | 'send-file';
  at: string;
}

export interface CommandRecord {
  command: string;
  exitCode: number;
  at: string;
}

export interface InstanceRecords {
  instanceId: string;
  logins: Array<{ user: string; method: string; at: string }>;
  uploads: Upload[];
  commands: CommandRecord[];
}

/** Decides what a command "returns" on a fake instance. Later rules win over earlier ones. */
export interface CommandRule {
  id: string;
  /** Only on this instance. */
  instanceId?: string;
  /** Substring (or regular expression with `regex: true`) searched in the command and in the uploaded scripts it runs. */
  match: string;
  regex?: boolean;
  exitCode: number;
  stdout?: string;
  stderr?: string;
  /** Expires after this many matches. */
  times?: number;
  /** How long the command runs (nominal seconds, times the time scale): a Cloud Assistant invocation times out past its Timeout. */
  seconds?: number;
  /** Over SSH, how long the command takes to answer (real milliseconds, whatever the time scale). */
  delayMs?: number;
}

const SEED_DIRS = [
  '/',
  '/tmp',
  '/root',
  '/home',
  '/home/ubuntu',
  '/etc',
  '/opt',
  '/var',
  '/var/tmp',
  '/usr',
  '/usr/local',
  '/usr/local/bin',
];

export class SshFleet {
  readonly world: World;
  private readonly hostKey: string;
  private server: InstanceType<typeof Server> | undefined;
  private readonly recordMap = new Map<string, InstanceRecords>();
  private readonly fsMap = new Map<string, FakeFs>();
  private rules: CommandRule[] = [];
  private ruleSeq = 0;
  private readonly keyCache = new Map<string, ParsedKey | undefined>();
  private readonly clients = new Set<ssh2.Connection>();
  port = 0;
  /** Sandbox mode: commands and uploads run in the instances' own filesystems instead of being recorded. */
  sandbox: Sandbox | undefined;

  constructor(world: World) {
    this.world = world;
    this.hostKey = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    }).privateKey;
  }

  listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = new Server({ hostKeys: [this.hostKey] }, (client) => this.onClient(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        this.port = (server.address() as AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  close(): Promise<void> {
    for (const c of this.clients) c.end();
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  records(instanceId: string): InstanceRecords {
    let r = this.recordMap.get(instanceId);
    if (!r) {
      r = { instanceId, logins: [], uploads: [], commands: [] };
      this.recordMap.set(instanceId, r);
    }
    return r;
  }

  addRule(rule: Omit<CommandRule, 'id'>): string {
    const id = `rule-${++this.ruleSeq}`;
    this.rules.push({ ...rule, id });
    return id;
  }

  clearRules(): void {
    this.rules = [];
  }

  reset(): void {
    this.recordMap.clear();
    this.fsMap.clear();
    this.rules = [];
  }

  private fs(instanceId: string): FakeFs {
    let f = this.fsMap.get(instanceId);
    if (!f) {
      f = { files: new Map(), dirs: new Set(SEED_DIRS) };
      this.fsMap.set(instanceId, f);
    }
    return f;
  }

  private parsedKey(openssh: string): ParsedKey | undefined {
    if (!this.keyCache.has(openssh)) {
      const k = utils.parseKey(openssh);
      this.keyCache.set(openssh, k instanceof Error ? undefined : k);
    }
    return this.keyCache.get(openssh);
  }

  /** Running instances that accept a credential, most recently started first. */
  private candidates(accepts: (i: Instance) => boolean): Instance[] {
    const w = this.world;
    return w
      .list('instance')
      .filter((i) => w.status(i) === 'Running' && accepts(i))
      .sort((a, b) => b.startedAt - a.startedAt);
  }

  private instanceKey(i: Instance): ParsedKey | undefined {
    if (!i.keyPairName) return undefined;
    const kp = this.world.list('keypair', i.regionId, i.accountId).find((k) => k.name === i.keyPairName);
    return kp ? this.parsedKey(kp.publicKey) : undefined;
  }

  private onClient(client: ssh2.Connection): void {
    this.clients.add(client);
    client.on('close', () => this.clients.delete(client));
    client.on('error', () => {});
    let instance: Instance | undefined;
    client.on('authentication', (ctx) => {
      if (ctx.method === 'publickey') {
        const matches = this.candidates((i) => {
          const key = this.instanceKey(i);
          return key?.getPublicSSH().equals(ctx.key.data) === true;
        });
        const target = matches[0];
        const key = target ? this.instanceKey(target) : undefined;
        if (target && key) {
          if (!ctx.signature || !ctx.blob) {
            // ssh2 answers a key query with the key type (`ssh-rsa`) where RFC 8332 wants the algorithm the
            // client asked for (`rsa-sha2-256`); Go's client then drops the key. Echo the requested algorithm.
            if (ctx.key.algo === 'ssh-rsa' && ctx.hashAlgo === 'sha256') ctx.key.algo = 'rsa-sha2-256';
            if (ctx.key.algo === 'ssh-rsa' && ctx.hashAlgo === 'sha512') ctx.key.algo = 'rsa-sha2-512';
            return ctx.accept();
          }
          if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) {
            instance = target;
            this.records(target.id).logins.push({
              user: ctx.username,
              method: 'publickey',
              at: new Date().toISOString(),
            });
            return ctx.accept();
          }
        }
      } else if (ctx.method === 'password') {
        const target = this.candidates((i) => i.password !== '' && i.password === ctx.password)[0];
        if (target) {
          instance = target;
          this.records(target.id).logins.push({
            user: ctx.username,
            method: 'password',
            at: new Date().toISOString(),
          });
          return ctx.accept();
        }
      }
      ctx.reject(['publickey', 'password']);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        const id = instance?.id ?? 'unknown';
        session.on('env', (accept) => accept?.());
        session.on('pty', (accept) => accept?.());
        session.on('shell', (accept) => {
          const stream = accept();
          stream.exit(0);
          stream.end();
        });
        const sandbox = this.sandbox;
        if (sandbox) {
          const run = (command: string, channel: ssh2.ServerChannel) => {
            const at = new Date().toISOString();
            void bridgeToSandbox(sandbox, id, command, channel, (exitCode) =>
              this.records(id).commands.push({ command, exitCode, at }),
            );
          };
          session.on('exec', (accept, _reject, info) => run(info.command, accept()));
          session.on('subsystem', (accept, reject, info) =>
            info.name === 'sftp' ? run(SFTP_SERVER, accept()) : reject(),
          );
          return;
        }
        session.on('exec', (accept, _reject, info) => {
          const stream = accept();
          this.exec(id, info.command, stream);
        });
        session.on('sftp', (accept) => sftpServer(this.fs(id), this.saver(id), accept()));
      });
    });
  }

  private exec(id: string, command: string, stream: ssh2.ServerChannel): void {
    const rec = this.records(id);
    const scp = /^\s*scp\s+((?:-[a-zA-Z]+\s+)*)(.*?)\s*$/.exec(command);
    if (scp && /t/.test(scp[1] ?? '')) {
      const flags = scp[1] ?? '';
      const target = (scp[2] ?? '').replace(/^(['"])(.*)\1$/, '$2');
      const fs = this.fs(id);
      const isDir = /[dr]/.test(flags) || target.endsWith('/') || fs.dirs.has(target);
      rec.commands.push({ command, exitCode: 0, at: new Date().toISOString() });
      scpSink(this.fs(id), this.saver(id), stream, target, isDir);
      return;
    }
    const result = this.recordedRun(id, command);
    const answer = () => {
      if (result.stdout) stream.write(result.stdout);
      if (result.stderr) stream.stderr.write(result.stderr);
      stream.exit(result.exitCode);
      stream.end();
    };
    if (!result.delayMs) {
      answer();
      return;
    }
    const timer = setTimeout(answer, result.delayMs);
    stream.once('close', () => clearTimeout(timer));
  }

  /**
   * What a command "returns" on a fake instance (recording mode), by the rules, and its record. Cloud
   * Assistant's RunCommand answers with this too, so one rule fails a script however it is run.
   */
  recordedRun(
    id: string,
    command: string,
  ): { exitCode: number; stdout: string; stderr: string; seconds: number; delayMs?: number } {
    const rec = this.records(id);
    const fs = this.fs(id);
    // Scripts the command runs: uploaded files whose path appears in it.
    const scripts = [...fs.files.entries()]
      .filter(([p]) => command.includes(p))
      .map(([, f]) => f.data.toString('utf8'));
    const haystack = [command, ...scripts].join('\n');
    let result: { exitCode: number; stdout: string; stderr: string; seconds: number; delayMs?: number } = {
      exitCode: 0,
      stdout: '',
      stderr: '',
      seconds: 0,
    };
    for (let k = this.rules.length - 1; k >= 0; k--) {
      const rule = this.rules[k];
      if (!rule || (rule.instanceId !== undefined && rule.instanceId !== id)) continue;
      const hit = rule.regex ? new RegExp(rule.match).test(haystack) : haystack.includes(rule.match);
      if (!hit) continue;
      result = {
        exitCode: rule.exitCode,
        stdout: rule.stdout ?? '',
        stderr: rule.stderr ?? '',
        seconds: rule.seconds ?? 0,
        ...(rule.delayMs ? { delayMs: rule.delayMs } : {}),
      };
      if (rule.times !== undefined && --rule.times <= 0) this.rules.splice(k, 1);
      break;
    }
    // A little filesystem behaviour so cleanup commands and reads work.
    const rm = /^\s*rm\s+(?:-[a-zA-Z]+\s+)*(.+)$/.exec(command);
    if (rm) for (const p of (rm[1] ?? '').split(/\s+/)) fs.files.delete(p.replace(/^['"]|['"]$/g, ''));
    const mkdir = /^\s*mkdir\s+(?:-p\s+)?(\S+)\s*$/.exec(command);
    if (mkdir?.[1]) fs.dirs.add(mkdir[1]);
    const cat = /^\s*cat\s+(\S+)\s*$/.exec(command);
    if (cat?.[1] && result.stdout === '' && fs.files.has(cat[1]))
      result.stdout = fs.files.get(cat[1])?.data.toString('utf8') ?? '';
    rec.commands.push({ command, exitCode: result.exitCode, at: new Date().toISOString() });
    return result;
  }

  /** Whether a fake instance's filesystem holds a file (SendFile's Overwrite check). */
  hasFile(id: string, path: string): boolean {
    return this.fs(id).files.has(path);
  }

  private saver(id: string): SaveUpload {
    return (path, mode, data, via) => this.saveUpload(id, path, mode, data, via);
  }

  saveUpload(id: string, path: string, mode: number, data: Buffer, via: Upload['via']): void {
    this.fs(id).files.set(path, { data, mode });
    this.records(id).uploads.push({
      path,
      mode: mode.toString(8).padStart(4, '0'),
      size: data.length,
      content: data.toString('utf8'),
      via,
      at: new Date().toISOString(),
    });
  }

  /** The receiving side of the scp protocol (`scp -t`). */
}
