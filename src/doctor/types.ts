import type { CloudClients, ResolvedCredentials } from '../cloud/index.ts';
import type { SindriConfig } from '../config/types.ts';
import type { PackerBinary } from '../packer/binary.ts';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

/** What a check returns; the runner adds the id. */
export type CheckOutcome = Omit<CheckResult, 'id'>;

export interface CallerIdentity {
  accountId: string;
  arn: string;
  /** `Account` (root), `RAMUser`, `AssumedRoleUser`. */
  identityType: string;
  userId?: string;
}

export interface CloudSession {
  credentials: ResolvedCredentials;
  clients: CloudClients;
}

export interface VSwitchInfo {
  vSwitchId: string;
  vpcId: string;
  zoneId: string;
  status: string;
  cidrBlock?: string;
}

/** What checks share. Each lookup runs once, however many checks await it. */
export interface DoctorContext {
  env: NodeJS.ProcessEnv;
  home: string;
  /** Undefined when there is no configuration file: config checks are skipped. */
  config: SindriConfig | undefined;
  configFile: string | undefined;
  /** The build region: config, else the region environment variables, else cn-hangzhou. */
  region: string;
  regionSource: string;
  force: boolean;
  packer(): Promise<PackerBinary | undefined>;
  /** Credentials and clients; rejects with the credentials error. */
  session(): Promise<CloudSession>;
  identity(): Promise<CallerIdentity>;
  /** Every region the account can use (DescribeRegions); never empty. */
  regions(): Promise<string[]>;
  /** The configured VSwitch as the API sees it (undefined when vswitch_id is not set or not found). */
  vswitch(): Promise<VSwitchInfo | undefined>;
  /** The RAM actions this configuration's build needs (`ecs:CreateImage`, …). */
  requiredActions(): Promise<string[]>;
}

export interface Check {
  id: string;
  /** Shown in the table. */
  title: string;
  /** `config`: skipped without a configuration file. */
  needs: 'none' | 'config';
  run(ctx: DoctorContext, signal: AbortSignal): Promise<CheckOutcome>;
}

/** Thrown inside a check to report it as skipped (a prerequisite failed elsewhere). */
export class SkipCheck extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SkipCheck';
  }
}

/** Thrown inside a check to report a warning: the check could not run to the end. */
export class CouldNotCheck extends Error {
  readonly fix: string | undefined;
  constructor(message: string, fix?: string) {
    super(message);
    this.name = 'CouldNotCheck';
    this.fix = fix;
  }
}
