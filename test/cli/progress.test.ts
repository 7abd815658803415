/**
 * Progress that tells the time: the build's total, percentages with an estimate of what is left, and
 * after Ctrl-C phases that say they were interrupted or not reached (never "not needed"); a second
 * Ctrl-C says what is still happening, a third quits and says what that leaves.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { interruptOnSignals } from '../../src/cli/signals.ts';
import { clock, createProgress, etaEstimator, percentText } from '../../src/pipeline/progress.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { sindriBin } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';
import { ESCAPE, shellQuote as q, underTerminal } from '../helpers/terminal.ts';

describe('estimates and clocks', () => {
  it('the ETA of a steady rate is the time the rest takes at that rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 40 }), (rate, steps) => {
        let t = 0;
        const eta = etaEstimator(() => t);
        eta(0);
        let last: number | undefined;
        for (let i = 1; i <= steps && i * rate < 100; i++) {
          t = i * 1000;
          last = eta(i * rate);
          assert.ok(last !== undefined);
          assert.ok(Math.abs(last - (100 - i * rate) / rate) < 1e-6);
        }
        return last === undefined || last >= 0;
      }),
    );
    const eta = etaEstimator(() => 0);
    assert.equal(eta(30), undefined, 'no estimate before the percentage moved');
    assert.equal(percentText(45, 70), '45%, ETA 1m10s');
    assert.equal(percentText(100, 0), '100%');
    assert.deepEqual([clock(5), clock(75), clock(3725)], ['5s', '1m15s', '1h02m']);
  });

  it('plain progress prints a percentage line every 10 % with the ETA and the total', () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const lines: string[] = [];
    const p = createProgress({ enabled: true, now: () => t, write: (l) => lines.push(l) });
    p.phase('image', 'waiting for the image');
    for (const pct of [0, 5, 10, 12, 20, 50, 100]) {
      t += 10_000;
      p.percent?.('image', pct, 'Creating');
    }
    const pctLines = lines.filter((l) => /%/.test(l));
    assert.deepEqual(
      pctLines.map((l) => l.replace(/^\[[\d:]+\] /, '')),
      [
        'image      0% Creating (total 10s)',
        'image      10%, ETA 3m00s Creating (total 30s)',
        'image      20%, ETA 2m40s Creating (total 50s)',
        'image      50%, ETA 50s Creating (total 1m00s)',
        'image      100% Creating (total 1m10s)',
      ],
    );
  });
});

describe('repeated signals', () => {
  it('the second says what is still happening; the third Ctrl-C quits with exit 130, saying what is left', () => {
    const out: string[] = [];
    const exits: number[] = [];
    let first = 0;
    const i = interruptOnSignals(() => first++, {
      stillDoing: 'deleting the build instance',
      ifQuit: 'run sindri packer sweep',
      write: (t) => out.push(t),
      exit: (c) => exits.push(c),
    });
    try {
      process.emit('SIGINT', 'SIGINT');
      assert.equal(first, 1);
      assert.ok(i.signal.aborted);
      process.emit('SIGINT', 'SIGINT');
      assert.match(
        out.join(''),
        /SIGINT again: still deleting the build instance\. Press Ctrl-C once more to quit at once \(run sindri packer sweep\)/,
      );
      assert.deepEqual(exits, []);
      process.emit('SIGTERM', 'SIGTERM');
      assert.match(out.at(-1) ?? '', /SIGTERM again: still deleting the build instance\.\n$/);
      assert.deepEqual(exits, [], 'only Ctrl-C quits at once');
      process.emit('SIGINT', 'SIGINT');
      assert.match(out.at(-1) ?? '', /quitting now\. run sindri packer sweep/);
      assert.deepEqual(exits, [130]);
    } finally {
      i.dispose();
    }
  });
});

describe('the live display under a terminal', () => {
  let emu: Emulator;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  before(async () => {
    emu = await startEmulator();
    env = { ...emulatorEnv(emu.url), TERM: 'xterm-256color' };
    delete env.CI;
    dir = mkdtempSync(join(tmpdir(), 'sindri-progress-'));
  });
  after(async () => {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
  });

  it('shows the total; after Ctrl-C (twice) the phases say interrupted / not reached, and the second Ctrl-C is answered', async () => {
    const file = join(dir, 'sindri.yaml');
    writeFileSync(
      file,
      [
        'version: "1.0"',
        'name: progress',
        'extensions:',
        '  profile: fullstack',
        'providers:',
        '  packer:',
        '    cloud: alibaba',
        '    image_name: progress-interrupted',
        '    build:',
        `      ssh_port: ${emu.sshPort}`,
        '',
      ].join('\n'),
    );
    // packer's clean-up holds on deleting the instance, so the second Ctrl-C always finds it waiting
    // (on the fast emulator packer could otherwise be done before the second signal arrives).
    emu.admin.injectFault({ action: 'DeleteInstance', latencyMs: 3000, count: 1 });
    let pid = 0;
    let sent = 0;
    const run = underTerminal(
      `echo "PID=$$"; exec ${q(process.execPath)} ${q(sindriBin)} packer build --config ${q(file)}`,
      env,
      {
        answers: [
          {
            when: /PID=\d+/,
            type: '',
          },
        ],
        onScreen: (screen) => {
          pid ||= Number(/PID=(\d+)/.exec(screen)?.[1] ?? 0);
          const plain = screen.replace(ESCAPE, '');
          if (pid && sent === 0 && /Provisioning \(\d+s; total \d+s\)/.test(plain)) {
            sent = 1;
            process.kill(pid, 'SIGINT');
          } else if (pid && sent === 1 && /Provisioning \(\d+s, stopping; total/.test(plain)) {
            sent = 2;
            process.kill(pid, 'SIGINT');
          }
        },
        timeoutMs: 120_000,
      },
    );
    const r = await run;
    const screen = r.screen.replace(ESCAPE, '');
    assert.equal(sent, 2, screen.slice(-3000));
    assert.equal(r.code, 130, screen.slice(-3000));
    // Both notices are drawn in the display, under the running phase, as they happen.
    assert.match(screen, /› SIGINT: stopping packer/);
    assert.match(screen, /› SIGINT again: still waiting for packer to delete the build instance/);
    assert.match(screen, /sindri packer sweep/);
    assert.match(screen, /Provisioning \((interrupted|failed) after [\d.]+s\)/);
    assert.match(screen, /Creating the image \(not reached: interrupted\)/);
    assert.doesNotMatch(screen, /\(not needed\)/);
    assert.deepEqual(emu.admin.liveResources().instances, [], 'packer still cleaned up');
  });
});
