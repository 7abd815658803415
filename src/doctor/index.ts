/** `sindri packer doctor`: loaded only inside the command's run(). */
import { homedir } from 'node:os';
import type { SindriConfig } from '../config/types.ts';
import { CHECKS } from './checks/index.ts';
import { createDoctorContext } from './context.ts';
import { describeCheckError } from './errors.ts';
import { runChecks } from './run.ts';
import type { CheckResult } from './types.ts';

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
  const results = await runChecks(checks, ctx, {
    describeError: describeCheckError,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });
  return { checks: results, ok: results.every((r) => r.status !== 'fail') };
}
