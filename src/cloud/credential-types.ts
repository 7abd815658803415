/** The shapes of the credential chain (src/cloud/credentials.ts). */

export interface ResolvedCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  /**
   * Which source won, for `doctor`: `profile:NAME@aliyun-cli (AK)`, `profile:NAME@credentials-file (access_key)`, `env:ALIBABA_CLOUD_ACCESS_KEY_ID`,
   * `env:ALICLOUD_ACCESS_KEY`, `env:ALIYUN_ACCESS_KEY_ID`, `aliyun-cli:NAME (MODE)`,
   * `credentials-file:NAME (TYPE)`, `oidc`, `ecs-ram-role:ROLE`.
   */
  source: string;
  expiration?: Date;
}

/** A role exchange through STS (AssumeRole or AssumeRoleWithOIDC). */
export type AssumeRoleRequest =
  | {
      kind: 'ram-role-arn';
      base: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
      roleArn: string;
      sessionName: string;
      durationSeconds?: number;
      policy?: string;
      externalId?: string;
      region?: string;
      stsEndpoint?: string;
    }
  | {
      kind: 'oidc';
      roleArn: string;
      oidcProviderArn: string;
      oidcToken: string;
      sessionName: string;
      durationSeconds?: number;
      policy?: string;
      region?: string;
      stsEndpoint?: string;
    };

export interface TemporaryCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  expiration?: Date;
}

export type AssumeRoleFn = (req: AssumeRoleRequest) => Promise<TemporaryCredentials>;

export type FetchLike = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

export interface ResolveOptions {
  env: NodeJS.ProcessEnv;
  home: string;
  /** Credentials profile from config (`providers.packer.alibaba.credentials_profile`). */
  profile?: string;
  /** Used for the ECS metadata service. */
  fetchImpl?: FetchLike;
  /** Base URL of the ECS metadata service (default http://100.100.100.200). */
  metadataUrl?: string;
  metadataTimeoutMs?: number;
  /** STS exchange; defaults to the STS SDK (imported only when a role must be assumed). */
  assumeRole?: AssumeRoleFn;
  /** STS endpoint override (full URL, `http://` allowed), passed to the exchange. */
  stsEndpoint?: string;
  region?: string;
}
