/** RAM (2015-05-01) and STS (2015-04-01) actions. */
import { randomBytes } from 'node:crypto';
import type { AccountRecord, Attachment, PolicyRecord, RamRole } from './accounts.ts';
import type { CallContext, Handler } from './context.ts';
import { ApiError } from './errors.ts';
import { parsePolicy } from './policy.ts';
import { isoSeconds, randomId } from './state.ts';

const entityNotExist = (what: string, name: string): ApiError =>
  new ApiError(`EntityNotExist.${what}`, `The ${what.toLowerCase()} "${name}" does not exist.`, 404);

function account(ctx: CallContext): AccountRecord {
  const a = ctx.world.accounts.get(ctx.accountId);
  if (!a) throw new ApiError('InternalError', 'The account is unknown.', 500);
  return a;
}

export function findPolicy(ctx: CallContext, name: string, type: string | undefined): PolicyRecord {
  const custom = account(ctx).policies.get(name);
  const system = ctx.world.systemPolicies.get(name);
  const found = type === 'System' ? system : type === 'Custom' ? custom : (custom ?? system);
  if (!found) throw entityNotExist('Policy', name);
  return found;
}

function attachmentsView(ctx: CallContext, list: Attachment[]): Record<string, unknown> {
  return {
    Policies: {
      Policy: list.map((a) => {
        const p =
          a.policyType === 'System'
            ? ctx.world.systemPolicies.get(a.policyName)
            : account(ctx).policies.get(a.policyName);
        return {
          PolicyName: a.policyName,
          PolicyType: a.policyType,
          Description: p?.description ?? '',
          DefaultVersion: p?.defaultVersion ?? 'v1',
          AttachDate: a.attachDate,
        };
      }),
    },
  };
}

const GetUser: Handler = (ctx) => {
  const name = ctx.p.str('UserName') ?? (ctx.principal.type === 'user' ? ctx.principal.userName : undefined);
  if (name === undefined) throw new ApiError('MissingParameter', 'UserName is mandatory for this action.');
  const user = account(ctx).users.get(name);
  if (!user) throw entityNotExist('User', name);
  return {
    User: {
      UserName: user.userName,
      UserId: user.userId,
      DisplayName: user.displayName,
      CreateDate: user.createDate,
      UpdateDate: user.createDate,
      LastLoginDate: '',
      Comments: '',
      Email: '',
      MobilePhone: '',
    },
  };
};

const ListPoliciesForUser: Handler = (ctx) => {
  const name = ctx.p.req('UserName');
  const user = account(ctx).users.get(name);
  if (!user) throw entityNotExist('User', name);
  return attachmentsView(ctx, user.policies);
};

const ListPoliciesForRole: Handler = (ctx) => {
  const name = ctx.p.req('RoleName');
  const role = [...account(ctx).roles.values()].find((r) => r.roleName.toLowerCase() === name.toLowerCase());
  if (!role) throw entityNotExist('Role', name);
  return attachmentsView(ctx, role.policies);
};

const GetRole: Handler = (ctx) => {
  const name = ctx.p.req('RoleName');
  const role = [...account(ctx).roles.values()].find((r) => r.roleName.toLowerCase() === name.toLowerCase());
  if (!role) throw entityNotExist('Role', name);
  return {
    Role: {
      RoleName: role.roleName,
      RoleId: role.roleId,
      Arn: role.arn,
      Description: role.description,
      AssumeRolePolicyDocument: role.assumeRolePolicyDocument,
      CreateDate: role.createDate,
      UpdateDate: role.createDate,
      MaxSessionDuration: role.maxSessionDuration,
    },
  };
};

const GetPolicy: Handler = (ctx) => {
  const policy = findPolicy(ctx, ctx.p.req('PolicyName'), ctx.p.req('PolicyType'));
  const version = policy.versions.find((v) => v.versionId === policy.defaultVersion);
  const attachments = [...account(ctx).users.values(), ...account(ctx).roles.values()].filter((e) =>
    e.policies.some((a) => a.policyName === policy.policyName && a.policyType === policy.policyType),
  ).length;
  return {
    Policy: {
      PolicyName: policy.policyName,
      PolicyType: policy.policyType,
      Description: policy.description,
      DefaultVersion: policy.defaultVersion,
      PolicyDocument: version?.document ?? '',
      CreateDate: policy.createDate,
      UpdateDate: policy.createDate,
      AttachmentCount: attachments,
    },
    DefaultPolicyVersion: {
      VersionId: version?.versionId ?? '',
      IsDefaultVersion: true,
      PolicyDocument: version?.document ?? '',
      CreateDate: version?.createDate ?? '',
    },
  };
};

const GetPolicyVersion: Handler = (ctx) => {
  const policy = findPolicy(ctx, ctx.p.req('PolicyName'), ctx.p.req('PolicyType'));
  const id = ctx.p.req('VersionId');
  const version = policy.versions.find((v) => v.versionId === id);
  if (!version)
    throw new ApiError('EntityNotExist.Policy.Version', `The policy version "${id}" does not exist.`, 404);
  return {
    PolicyVersion: {
      VersionId: version.versionId,
      IsDefaultVersion: version.versionId === policy.defaultVersion,
      PolicyDocument: version.document,
      CreateDate: version.createDate,
    },
  };
};

export const ramHandlers: Record<string, Handler> = {
  GetUser,
  ListPoliciesForUser,
  ListPoliciesForRole,
  GetRole,
  GetPolicy,
  GetPolicyVersion,
};

// ---------------------------------------------------------------- STS

const GetCallerIdentity: Handler = (ctx) => {
  const pr = ctx.principal;
  const acct = ctx.accountId;
  if (pr.type === 'root')
    return {
      AccountId: acct,
      UserId: acct,
      RoleId: '',
      PrincipalId: acct,
      IdentityType: 'Account',
      Arn: `acs:ram::${acct}:root`,
    };
  if (pr.type === 'user') {
    const user = account(ctx).users.get(pr.userName);
    return {
      AccountId: acct,
      UserId: user?.userId ?? '',
      RoleId: '',
      PrincipalId: user?.userId ?? '',
      IdentityType: 'RAMUser',
      Arn: `acs:ram::${acct}:user/${pr.userName}`,
    };
  }
  const role = account(ctx).roles.get(pr.roleName);
  return {
    AccountId: acct,
    UserId: '',
    RoleId: role?.roleId ?? '',
    PrincipalId: `${role?.roleId ?? ''}:${pr.sessionName}`,
    IdentityType: 'AssumedRoleUser',
    Arn: `acs:ram::${acct}:assumed-role/${pr.roleName.toLowerCase()}/${pr.sessionName}`,
  };
};

/** Does the role's trust policy let the caller's account assume it? */
function trusts(document: string, callerAccount: string): boolean {
  for (const st of parsePolicy(document) as Array<{
    Effect?: string;
    Principal?: { RAM?: string | string[] };
  }>) {
    if ((st.Effect ?? '').toLowerCase() !== 'allow') continue;
    const ram = st.Principal?.RAM;
    const list = ram === undefined ? [] : Array.isArray(ram) ? ram : [ram];
    if (
      list.some(
        (p) =>
          p === `acs:ram::${callerAccount}:root` || p === '*' || p.startsWith(`acs:ram::${callerAccount}:`),
      )
    )
      return true;
  }
  return false;
}

/** The role's trust policy does not admit the caller. */
const notTrusted = () =>
  new ApiError(
    'NoPermission',
    'You are not authorized to do this action. You should be authorized by RAM.',
    403,
  );

/** The role an ARN names, and its account; EntityNotExist.Role otherwise. */
function roleOf(ctx: CallContext, arn: string): { target: AccountRecord; role: RamRole } {
  const m = /^acs:ram::(\d+):role\/(.+)$/i.exec(arn);
  if (!m) throw new ApiError('InvalidParameter.RoleArn', `The RoleArn "${arn}" is not valid.`);
  const target = ctx.world.accounts.get(m[1] ?? '');
  const role = target
    ? [...target.roles.values()].find((r) => r.roleName.toLowerCase() === (m[2] ?? '').toLowerCase())
    : undefined;
  if (!target || !role) throw entityNotExist('Role', m[2] ?? arn);
  return { target, role };
}

/** Checks the session parameters and issues STS credentials for the role (AssumeRole*). */
function issueRoleSession(ctx: CallContext, target: AccountRecord, role: RamRole): Record<string, unknown> {
  const session = ctx.p.req('RoleSessionName');
  if (!/^[\w.@-]{2,64}$/.test(session))
    throw new ApiError(
      'InvalidParameter.RoleSessionName',
      'The RoleSessionName must be 2-64 characters of [A-Za-z0-9.@_-].',
    );
  const duration = ctx.p.int('DurationSeconds', 3600);
  if (duration < 900 || duration > role.maxSessionDuration)
    throw new ApiError(
      'InvalidParameter.DurationSeconds',
      `DurationSeconds must be between 900 and ${role.maxSessionDuration}.`,
    );
  const sessionPolicy = ctx.p.str('Policy');
  if (sessionPolicy !== undefined) {
    try {
      parsePolicy(sessionPolicy);
    } catch {
      throw new ApiError('InvalidParameter.PolicyGrammar', 'The session policy is not valid JSON.');
    }
  }
  const expiresAt = ctx.world.now() + duration * 1000;
  const accessKeyId = `STS.FAKE${randomId(20).toUpperCase()}`;
  const secret = randomBytes(24).toString('base64url');
  const securityToken = `CAIS-FAKE-${randomBytes(48).toString('base64url')}`;
  ctx.world.addAccessKey({
    accessKeyId,
    secret,
    securityToken,
    expiresAt,
    principal: { type: 'role', accountId: target.accountId, roleName: role.roleName, sessionName: session },
    ...(sessionPolicy !== undefined ? { sessionPolicy } : {}),
  });
  return {
    Credentials: {
      AccessKeyId: accessKeyId,
      AccessKeySecret: secret,
      SecurityToken: securityToken,
      Expiration: isoSeconds(expiresAt),
    },
    AssumedRoleUser: {
      Arn: `acs:ram::${target.accountId}:assumed-role/${role.roleName.toLowerCase()}/${session}`,
      AssumedRoleId: `${role.roleId}:${session}`,
    },
    SourceIdentity: '',
  };
}

const AssumeRole: Handler = (ctx) => {
  const { target, role } = roleOf(ctx, ctx.p.req('RoleArn'));
  if (!trusts(role.assumeRolePolicyDocument, ctx.accountId)) throw notTrusted();
  return issueRoleSession(ctx, target, role);
};

/** The claims of a JWT, unverified (the emulator checks issuer, audience and expiry, not the signature). */
function jwtClaims(token: string): { iss?: unknown; aud?: unknown; sub?: unknown; exp?: unknown } {
  const invalid = () =>
    new ApiError('AuthenticationFail.OIDCToken.Invalid', 'The OIDC token is not a valid JWT.', 400);
  const parts = token.split('.');
  if (parts.length !== 3) throw invalid();
  try {
    const claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    if (claims === null || typeof claims !== 'object') throw invalid();
    return claims;
  } catch {
    throw invalid();
  }
}

/** Anonymous: the OIDC token is the credential. */
const AssumeRoleWithOIDC: Handler = (ctx) => {
  const providerArn = ctx.p.req('OIDCProviderArn');
  const token = ctx.p.req('OIDCToken');
  const { target, role } = roleOf(ctx, ctx.p.req('RoleArn'));
  const provider = [...target.oidcProviders.values()].find((o) => o.arn === providerArn);
  if (!provider) throw entityNotExist('OIDCProvider', providerArn);
  const claims = jwtClaims(token);
  if (claims.iss !== provider.issuerUrl)
    throw new ApiError(
      'AuthenticationFail.OIDCToken.Invalid',
      `The issuer of the OIDC token is not ${provider.issuerUrl}.`,
    );
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.some((a) => provider.clientIds.includes(String(a))))
    throw new ApiError(
      'AuthenticationFail.OIDCToken.Invalid',
      "The audience of the OIDC token is not one of the provider's client IDs.",
    );
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= ctx.world.now())
    throw new ApiError('AuthenticationFail.OIDCToken.Expired', 'The OIDC token has expired.');
  if (!trustsProvider(role.assumeRolePolicyDocument, provider.arn)) throw notTrusted();
  return issueRoleSession(ctx, target, role);
};

/** Does the role's trust policy name the OIDC provider as a federated principal? */
function trustsProvider(document: string, providerArn: string): boolean {
  return (
    parsePolicy(document) as Array<{ Effect?: string; Principal?: { Federated?: string | string[] } }>
  ).some(
    (st) =>
      (st.Effect ?? '').toLowerCase() === 'allow' &&
      [st.Principal?.Federated ?? []].flat().includes(providerArn),
  );
}

export const stsHandlers: Record<string, Handler> = { GetCallerIdentity, AssumeRole, AssumeRoleWithOIDC };

/** Actions called without credentials (the request carries its own proof). */
export const ANONYMOUS_ACTIONS = new Set(['sts:AssumeRoleWithOIDC']);
