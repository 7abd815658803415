/**
 * Webhooks, against a local receiver: every event (build succeeded, build failed, test failed,
 * promoted, revoked) in every format (json, DingTalk, Lark, Slack), each signature checked as the
 * receiver's own documentation says; a failing receiver is retried with backoff, and one that is down
 * never fails the build. Addresses and secrets come from the environment and show up nowhere else.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';
import { type ConfigSpec, configDir, configText, sindri } from './helpers.ts';

interface Received {
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: Record<string, unknown>;
  at: number;
}

const SECRETS = {
  json: 'fake-json-secret-0001',
  dingtalk: 'SECfake-dingtalk-secret-0001',
  lark: 'fake-lark-secret-0001',
  token: 'FAKE-DINGTALK-TOKEN-0001',
  down: 'FAKE-DOWN-TOKEN-0001',
};

let emu: Emulator;
let env: NodeJS.ProcessEnv;
let receiver: Server;
let received: Received[] = [];
let flakyFailures = 0;
const dirs: string[] = [];

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

before(async () => {
  emu = await startEmulator();
  receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      received.push({
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        text,
        body: JSON.parse(text) as Record<string, unknown>,
        at: Date.now(),
      });
      if (url.pathname === '/flaky' && flakyFailures-- > 0) {
        res.writeHead(503).end('busy');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      if (url.pathname === '/dingtalk') res.end('{"errcode":0,"errmsg":"ok"}');
      else if (url.pathname === '/lark') res.end('{"code":0,"msg":"success","data":{}}');
      else res.end('ok');
    });
  });
  const port = await listen(receiver);
  // A port nothing listens on: the receiver that is down.
  const gone = createServer();
  const downPort = await listen(gone);
  await new Promise((r) => gone.close(r));
  const base = `http://127.0.0.1:${port}`;
  env = emulatorEnv(emu.url, undefined, {
    HOOK_JSON: `${base}/json`,
    HOOK_JSON_SECRET: SECRETS.json,
    HOOK_DINGTALK: `${base}/dingtalk?access_token=${SECRETS.token}`,
    HOOK_DINGTALK_SECRET: SECRETS.dingtalk,
    HOOK_LARK: `${base}/lark`,
    HOOK_LARK_SECRET: SECRETS.lark,
    HOOK_SLACK: `${base}/slack`,
    HOOK_FLAKY: `${base}/flaky`,
    HOOK_DOWN: `http://127.0.0.1:${downPort}/hook?token=${SECRETS.down}`,
  });
});
after(async () => {
  await emu.stop();
  await new Promise((r) => receiver.close(r));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  rmSync(env.HOME as string, { recursive: true, force: true });
});
beforeEach(() => {
  received = [];
});

const WEBHOOKS = [
  'notifications:',
  '  webhooks:',
  '    - name: generic',
  '      url_env: HOOK_JSON',
  '      secret_env: HOOK_JSON_SECRET',
  '    - format: dingtalk',
  '      url_env: HOOK_DINGTALK',
  '      secret_env: HOOK_DINGTALK_SECRET',
  '    - format: lark',
  '      url_env: HOOK_LARK',
  '      secret_env: HOOK_LARK_SECRET',
  '    - format: slack',
  '      url_env: HOOK_SLACK',
  '    - name: flaky',
  '      url_env: HOOK_FLAKY',
  '      events: [build-succeeded]',
  '    - name: down',
  '      url_env: HOOK_DOWN',
  '      retries: 2',
  '      events: [build-succeeded]',
];

function project(spec: Partial<ConfigSpec> & { name: string }): string {
  const dir = configDir({ sshPort: emu.sshPort, family: 'notified', notifications: WEBHOOKS, ...spec });
  dirs.push(dir);
  return dir;
}

const at = (path: string) => received.filter((r) => r.path === path);
/** The one request a receiver got. */
function one(path: string): Received {
  const got = at(path);
  assert.equal(got.length, 1, `${path}: ${got.length} requests`);
  return got[0] as Received;
}

/** Each format's request for `event`, its signature verified as the receiver's documentation says. */
function checkFormats(event: string, title: RegExp): void {
  const json = one('/json');
  assert.equal(json.body.event, event);
  assert.equal(json.headers['x-sindri-event'], event);
  assert.equal(
    json.headers['x-sindri-signature'],
    `sha256=${createHmac('sha256', SECRETS.json)
      .update(json.text ?? '')
      .digest('hex')}`,
  );
  assert.match(String(json.body.title), title);

  // DingTalk: timestamp (ms) and sign in the query; sign = base64(HmacSHA256(secret, timestamp + "\n" + secret)).
  const ding = one('/dingtalk');
  const ts = Number(ding.query.get('timestamp'));
  assert.ok(Math.abs(Date.now() - ts) < 3_600_000, 'within the hour DingTalk accepts');
  assert.equal(ding.query.get('access_token'), SECRETS.token);
  assert.equal(
    ding.query.get('sign'),
    createHmac('sha256', SECRETS.dingtalk).update(`${ts}\n${SECRETS.dingtalk}`).digest('base64'),
  );
  assert.equal(ding.body.msgtype, 'markdown');
  assert.match(String((ding.body.markdown as { text: string }).text), title);

  // Lark: timestamp (s) and sign in the body; sign = base64(HmacSHA256(timestamp + "\n" + secret, "")).
  const lark = one('/lark');
  const seconds = String(lark.body.timestamp);
  assert.equal(
    lark.body.sign,
    createHmac('sha256', `${seconds}\n${SECRETS.lark}`).update('').digest('base64'),
  );
  assert.equal(lark.body.msg_type, 'text');
  assert.match(String((lark.body.content as { text: string }).text), title);

  const slack = one('/slack');
  assert.match(String(slack.body.text), title);
  assert.equal((slack.body.blocks as Array<{ type: string }>)[0]?.type, 'section');
}

function assertNoSecret(...texts: string[]): void {
  for (const text of texts)
    for (const s of Object.values(SECRETS))
      assert.ok(!text.includes(s), `${s} leaked: ${text.slice(0, 300)}`);
}

describe('notifications', () => {
  let built: { buildId: string; images: Record<string, string> };
  let dir: string;

  it('build-succeeded in every format; a flaky receiver is retried, a receiver that is down is a warning', async () => {
    dir = project({ name: 'notify-1', copyRegions: ['cn-shanghai'] });
    flakyFailures = 1;
    const r = await sindri<{ buildId: string; images: Record<string, string> }>(['build'], { cwd: dir, env });
    assert.equal(r.status, 0, r.run.stderr);
    built = r.result;
    checkFormats('build-succeeded', /notify-1 built/);
    assert.deepEqual((one('/json').body.build as { images: unknown }).images, built.images);
    // 503 once, then delivered.
    const flaky = at('/flaky');
    assert.equal(flaky.length, 2);
    assert.ok((flaky[1]?.at ?? 0) - (flaky[0]?.at ?? 0) >= 400, 'after a backoff');
    // The receiver that is down: three attempts, then a warning; the build still succeeded.
    const down = r.warnings.find((w) => w.message.includes('webhook down'));
    assert.match(down?.message ?? '', /not told of build-succeeded \(3 attempts\): ECONNREFUSED/);
    const records = readdirSync(join(dir, '.sindri', 'builds')).map((b) =>
      readFileSync(join(dir, '.sindri', 'builds', b, 'record.json'), 'utf8'),
    );
    assertNoSecret(r.run.stdout, r.run.stderr, ...records);
  });

  it('build-failed when packer fails, with the error', async () => {
    const failing = project({ name: 'notify-2' });
    const rule = emu.admin.setCommandResult({ match: 'Base set-up: package updates', exitCode: 1 });
    try {
      const r = await sindri(['build'], { cwd: failing, env });
      assert.equal(r.status, 1);
      checkFormats('build-failed', /the build of notify-2 failed/);
      assert.equal((one('/json').body.error as { code: string }).code, 'PackerBuildFailed');
      assert.deepEqual(at('/flaky'), [], 'a webhook gets only the events it asked for');
    } finally {
      emu.admin.clearCommandResults();
      void rule;
    }
  });

  it('test-failed when the test stage fails the build, naming the check', async () => {
    const tested = project({
      name: 'notify-3',
      tests: true,
      checks: [
        '  builtin: false',
        '  sbom: false',
        '  checks:',
        '    - name: motd present',
        '      command: test -s /etc/motd',
      ],
    });
    const rule = emu.admin.setCommandResult({
      match: "^sh -c 'test -s /etc/motd'$",
      regex: true,
      exitCode: 1,
    });
    try {
      const r = await sindri(['build'], { cwd: tested, env });
      assert.equal(r.status, 1);
      assert.equal(r.error?.code, 'TestsFailed');
      checkFormats('test-failed', /notify-3 failed its tests/);
      assert.deepEqual(
        (one('/json').body.checks as Array<{ name: string }>).map((c) => c.name),
        ['motd present'],
      );

      // `sindri packer test` of an existing image tells them too; a run that passes tells no one.
      received = [];
      const image = built.images['cn-hangzhou'] as string;
      const again = await sindri(['test', image, '--region', 'cn-hangzhou'], { cwd: tested, env });
      assert.equal(again.status, 1, again.run.stderr);
      assert.equal(again.error?.code, 'TestsFailed');
      checkFormats('test-failed', /notify-1 failed its tests/);
      const json = one('/json').body;
      assert.deepEqual(json.test, {
        runId: (again.result as { buildId: string }).buildId,
        imageId: image,
        region: 'cn-hangzhou',
        name: 'notify-1',
      });
      assert.deepEqual(
        (json.checks as Array<{ name: string; reason: string }>).map((c) => c.name),
        ['motd present'],
      );
      emu.admin.clearCommandResults();
      received = [];
      const passed = await sindri(['test', image, '--region', 'cn-hangzhou'], { cwd: tested, env });
      assert.equal(passed.status, 0, passed.run.stderr);
      assert.deepEqual(received, [], 'no event for a test run that passed');
    } finally {
      emu.admin.clearCommandResults();
      void rule;
    }
  });

  it('promoted and revoked, from the sindri.yaml of the working directory', async () => {
    const promoted = await sindri(
      ['promote', built.buildId, '--channel', 'prod', '--region', 'cn-hangzhou', '--region', 'cn-shanghai'],
      {
        cwd: dir,
        env,
      },
    );
    assert.equal(promoted.status, 0, promoted.run.stderr);
    checkFormats('promoted', /notify-1 promoted to prod/);
    assert.equal(one('/json').body.channel, 'prod');
    assert.deepEqual((one('/json').body.build as { images: unknown }).images, built.images);

    received = [];
    // Another image in the family first, so that revoking does not empty it.
    writeFileSync(
      join(dir, 'sindri.yaml'),
      configText({
        name: 'notify-4',
        sshPort: emu.sshPort,
        family: 'notified',
        copyRegions: ['cn-shanghai'],
        notifications: WEBHOOKS,
      }),
    );
    assert.equal((await sindri(['build'], { cwd: dir, env })).status, 0);
    received = [];
    const revoked = await sindri(
      [
        'revoke',
        built.buildId,
        '--reason',
        'bad kernel',
        '--yes',
        '--region',
        'cn-hangzhou',
        '--region',
        'cn-shanghai',
      ],
      {
        cwd: dir,
        env,
      },
    );
    assert.equal(revoked.status, 0, revoked.run.stderr);
    checkFormats('revoked', /notify-1 revoked/);
    assert.equal(one('/json').body.reason, 'bad kernel');
    assertNoSecret(promoted.run.stdout, revoked.run.stdout, revoked.run.stderr);
  });
});
