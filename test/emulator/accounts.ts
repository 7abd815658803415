/** Well-known fake credentials of the emulator's default root account. */
export const ROOT_ACCOUNT_ID = '1000000000000001';
export const ROOT_ACCESS_KEY_ID = 'LTAI-FAKE-ROOT-0000000001';
export const ROOT_ACCESS_KEY_SECRET = 'fake-secret-root-do-not-use';

/** A second account, seeded too, handy as a share target. */
export const SECOND_ACCOUNT_ID = '1000000000000002';
export const SECOND_ACCESS_KEY_ID = 'LTAI-FAKE-ROOT-0000000002';
export const SECOND_ACCESS_KEY_SECRET = 'fake-secret-second-do-not-use';

export type Principal =
  | { type: 'root'; accountId: string }
  | { type: 'user'; accountId: string; userName: string }
  | { type: 'role'; accountId: string; roleName: string; sessionName: string };

export interface AccessKeyRecord {
  accessKeyId: string;
  secret: string;
  principal: Principal;
  /** STS credentials only. */
  securityToken?: string;
  expiresAt?: number;
  /** Session policy given to AssumeRole: narrows what the role's own policies allow. */
  sessionPolicy?: string;
}

export interface PolicyVersion {
  versionId: string;
  document: string;
  createDate: string;
}

export interface PolicyRecord {
  policyName: string;
  policyType: 'System' | 'Custom';
  description: string;
  defaultVersion: string;
  versions: PolicyVersion[];
  createDate: string;
}

export interface Attachment {
  policyName: string;
  policyType: 'System' | 'Custom';
  attachDate: string;
}

export interface RamUser {
  userName: string;
  userId: string;
  displayName: string;
  createDate: string;
  policies: Attachment[];
}

export interface RamRole {
  roleName: string;
  roleId: string;
  arn: string;
  description: string;
  assumeRolePolicyDocument: string;
  createDate: string;
  maxSessionDuration: number;
  policies: Attachment[];
}

/** An OIDC identity provider registered in RAM (for AssumeRoleWithOIDC). */
export interface OidcProvider {
  name: string;
  arn: string;
  issuerUrl: string;
  clientIds: string[];
}

export interface AccountRecord {
  accountId: string;
  users: Map<string, RamUser>;
  roles: Map<string, RamRole>;
  oidcProviders: Map<string, OidcProvider>;
  /** Custom policies of this account (system policies are global). */
  policies: Map<string, PolicyRecord>;
}

const ADMIN_DOCUMENT = JSON.stringify({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});

/** System policies every account can attach. */
export function systemPolicies(now: string): Map<string, PolicyRecord> {
  const make = (name: string, description: string, actions: string[]): PolicyRecord => ({
    policyName: name,
    policyType: 'System',
    description,
    defaultVersion: 'v1',
    createDate: now,
    versions: [
      {
        versionId: 'v1',
        createDate: now,
        document:
          name === 'AdministratorAccess'
            ? ADMIN_DOCUMENT
            : JSON.stringify({
                Version: '1',
                Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
              }),
      },
    ],
  });
  return new Map(
    [
      make('AdministratorAccess', 'Full access to all cloud resources', ['*']),
      make('ReadOnlyAccess', 'Read-only access to all cloud resources', ['*:Describe*', '*:List*', '*:Get*']),
      make('AliyunECSFullAccess', 'Full access to ECS', ['ecs:*', 'vpc:*']),
      make('AliyunECSReadOnlyAccess', 'Read-only access to ECS', ['ecs:Describe*', 'vpc:Describe*']),
      make('AliyunVPCFullAccess', 'Full access to VPC', ['vpc:*']),
      make('AliyunRAMReadOnlyAccess', 'Read-only access to RAM', ['ram:Get*', 'ram:List*']),
      make('AliyunSTSAssumeRoleAccess', 'Permission to call AssumeRole', ['sts:AssumeRole']),
    ].map((p) => [p.policyName, p]),
  );
}
