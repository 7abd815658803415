/** `sindri packer doctor`: loaded only inside the command's run(). */
import { homedir } from 'node:os';
import type { SindriConfig } from '../config/types.ts';
import { CHECKS } from './checks/index.ts';
import { createDoctorContext } from './context.ts';
import { describeCheckError } from './errors.ts';
import { runCheck, runChecks } from './run.ts';
import { type CheckResult, type DoctorContext, SkipCheck } from './types.ts';

export {
  failureCleanupActions,
  policyDocument,
  type RequiredAction,
  requiredActions,
} from '../packer/required-actions.ts';
export { CHECKS } from './checks/index.ts';
export { formatTable } from './format.ts';
export type { Check, CheckResult, CheckStatus } from './types.ts';

export interface DoctorOptions {
  env: NodeJS.ProcessEnv;
  home?: string;
  config?: SindriConfig;
  configFile?: string;
  region?: string;
  force?: boolean;
  timeoutMs?: number;
  /** Only these check IDs (default: all). */
  only?: string[];
}

export interface DoctorReport {
  checks: CheckResult[];
  ok: boolean;
}

export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const ctx = createDoctorContext({
    env: opts.env,
    home: opts.home ?? homedir(),
    ...(opts.config ? { config: opts.config } : {}),
    ...(opts.configFile ? { configFile: opts.configFile } : {}),
    ...(opts.region ? { region: opts.region } : {}),
    force: opts.force ?? false,
  });
  const checks = opts.only ? CHECKS.filter((c) => opts.only?.includes(c.id)) : CHECKS;
  const runOpts = {
    describeError: describeCheckError,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  };
  // Authentication first: when it fails, every check that needs the cloud is skipped (one failure
  // with one fix, not the same signature error under each check).
  const gate = checks.find((c) => c.id === 'credentials');
  const rest = checks.filter((c) => c !== gate);
  const first = gate ? await runCheck(gate, ctx, runOpts) : undefined;
  const others = await runChecks(rest, first?.status === 'fail' ? withoutCloud(ctx) : ctx, runOpts);
  const results = checks.map((c) => (c === gate && first ? first : (others[rest.indexOf(c)] as CheckResult)));
  return { checks: results, ok: results.every((r) => r.status !== 'fail') };
}

/** The context after a failed authentication: every cloud lookup skips its check instead of failing. */
function withoutCloud(ctx: DoctorContext): DoctorContext {
  const skip = () => Promise.reject(new SkipCheck('skipped: the credentials check failed'));
  const vswitch = () =>
    ctx.config?.providers.packer.alibaba.vswitch_id ? skip() : Promise.resolve(undefined);
  return { ...ctx, session: skip, identity: skip, vswitch };
}
