import { SindriError } from '../errors.ts';
import { redact } from './redact.ts';

/** What an error code means and what the user can do about it. */
export interface ErrorHint {
  meaning: string;
  fix: string;
}

/**
 * Codes the API returns that users can act on. The first block is the product guide's
 * troubleshooting table; the rest are the codes seen around it. Keep docs/troubleshooting.md
 * in step (a test checks that every code here is documented there).
 */
export const ERROR_HINTS: Readonly<Record<string, ErrorHint>> = {
  // The guide's "Common Error Codes" table.
  'InvalidAccessKeyId.NotFound': {
    meaning: 'The AccessKey ID is not valid for this account.',
    fix: 'Check which credential source won (`sindri packer doctor`), then fix or reconfigure it (`aliyun configure`).',
  },
  SignatureDoesNotMatch: {
    meaning: 'The AccessKey secret does not match the AccessKey ID.',
    fix: 'Reconfigure the credentials; check ALICLOUD_SECRET_KEY / ALIBABA_CLOUD_ACCESS_KEY_SECRET for stray spaces or quotes.',
  },
  InvalidRegionId: {
    meaning: 'The region does not exist or is not available to this account.',
    fix: 'Use a valid region ID such as cn-hangzhou (list them with `aliyun ecs DescribeRegions`).',
  },
  InvalidZoneId: {
    meaning: 'The zone does not exist in this region.',
    fix: 'Check the available zones (`aliyun ecs DescribeZones --RegionId <region>`) or remove zone_id.',
  },
  'InvalidInstanceType.NotAvailable': {
    meaning: 'The instance type is not available in this zone.',
    fix: 'Try a different zone or instance type (`aliyun ecs DescribeAvailableResource --DestinationResource InstanceType`).',
  },
  'InvalidVSwitchId.NotFound': {
    meaning: 'The VSwitch does not exist in this region.',
    fix: 'Verify vswitch_id (`aliyun vpc DescribeVSwitches --VSwitchId <id>`) or remove it to let the build create one.',
  },
  'QuotaExceeded.Eip': {
    meaning: 'The EIP quota of the account is reached.',
    fix: 'Release unused EIPs (`aliyun vpc ReleaseEipAddress`) or request a quota increase in the console.',
  },
  'InvalidSecurityGroupId.NotFound': {
    meaning: 'The security group does not exist in this region.',
    fix: 'Check security_group_id (`aliyun ecs DescribeSecurityGroups`) or remove it to let the build create one.',
  },
  IncorrectInstanceStatus: {
    meaning: 'The instance is in the wrong state for this operation.',
    fix: 'Wait for the instance to settle, or stop it first (images are created from stopped instances).',
  },

  // Credentials and authorisation.
  'InvalidAccessKeyId.Inactive': {
    meaning: 'The AccessKey is disabled.',
    fix: 'Enable the AccessKey in the RAM console or create a new one.',
  },
  'InvalidSecurityToken.Expired': {
    meaning: 'The STS security token has expired.',
    fix: 'Obtain fresh temporary credentials (re-run the role assumption or `aliyun configure`).',
  },
  'InvalidSecurityToken.Malformed': {
    meaning: 'The STS security token is malformed.',
    fix: 'Check ALIBABA_CLOUD_SECURITY_TOKEN / SECURITY_TOKEN: it must be the whole token, unquoted.',
  },
  'InvalidSecurityToken.MismatchWithAccessKey': {
    meaning: 'The STS security token does not belong to this AccessKey ID.',
    fix: 'Use the AccessKey ID, secret and token from the same AssumeRole response.',
  },
  'InvalidTimeStamp.Expired': {
    meaning: "The request's timestamp is more than 15 minutes off the server's clock.",
    fix: "Synchronise this machine's clock (NTP).",
  },
  SignatureNonceUsed: {
    meaning: 'A request nonce was reused.',
    fix: 'Usually a clock or proxy replaying requests; retry, and check any proxy between you and the API.',
  },
  Forbidden: {
    meaning: 'The RAM identity is not allowed to perform this action.',
    fix: "Attach the guide's RAM policy (docs: RAM Permissions) to the user or role.",
  },
  'Forbidden.RAM': {
    meaning: 'The RAM identity is not allowed to perform this action.',
    fix: "Attach the guide's RAM policy (docs: RAM Permissions) to the user or role.",
  },
  NoPermission: {
    meaning: 'The RAM identity lacks permission for this action (for STS: to assume the role).',
    fix: "Attach the guide's RAM policy; for role assumption, check the role's trust policy.",
  },
  'Forbidden.RiskControl': {
    meaning: 'The operation was blocked by the risk control system.',
    fix: 'Open a ticket with Alibaba Cloud support; retrying will not help.',
  },
  'Forbidden.UserVerification': {
    meaning: 'The account has not completed real-name verification.',
    fix: 'Complete real-name verification (required for mainland China regions).',
  },
  InvalidSessionDuration: {
    meaning: 'ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION is not a session length STS accepts.',
    fix: 'Set it to a whole number of seconds from 900 to 43200 (and at most the role’s MaxSessionDuration), or unset it for one hour.',
  },
  'InvalidParameter.DurationSeconds': {
    meaning:
      "The requested session is longer than the role's maximum session duration (or shorter than 900 s).",
    fix: "Lower ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION, or raise the role's MaxSessionDuration in the RAM console (up to 43200 s).",
  },
  'EntityNotExist.Role': {
    meaning: 'The RAM role does not exist.',
    fix: 'Check the role ARN (ALIBABA_CLOUD_ROLE_ARN or the profile) and the role name.',
  },
  'AuthenticationFail.OIDCToken.Expired': {
    meaning: 'The OIDC token has expired.',
    fix: 'Request a fresh token (in GitHub Actions, the job needs `permissions: id-token: write`).',
  },
  'AuthenticationFail.OIDCToken.Invalid': {
    meaning: 'The OIDC token was rejected.',
    fix: "Check the OIDC provider's audience and issuer, and the role's trust policy conditions.",
  },
  InsufficientBalance: {
    meaning: 'The account does not have enough balance.',
    fix: 'Top up the account.',
  },
  'InvalidAccountStatus.NotEnoughBalance': {
    meaning: 'The account does not have enough balance to create pay-as-you-go resources.',
    fix: 'Top up the account.',
  },

  // Transient: retried automatically; shown only when retries run out.
  Throttling: {
    meaning: 'The API throttled the request.',
    fix: 'Retries were exhausted; wait a minute, lower concurrency, or raise retry attempts.',
  },
  ServiceUnavailable: {
    meaning: 'The service is temporarily unavailable.',
    fix: 'Retries were exhausted; try again later.',
  },
  InternalError: {
    meaning: 'The service hit an internal error.',
    fix: 'Retries were exhausted; try again later and quote the request ID to support if it persists.',
  },
  IdempotentProcessing: {
    meaning: 'A previous request with the same ClientToken is still being processed.',
    fix: 'Wait and retry with the same ClientToken.',
  },
  LastTokenProcessing: {
    meaning: 'A previous request with the same ClientToken is still being processed.',
    fix: 'Wait and retry with the same ClientToken.',
  },
  IdempotentParameterMismatch: {
    meaning: 'The ClientToken was already used with different parameters.',
    fix: 'Use a new ClientToken for a different request (do not reuse a resumable token across configurations).',
  },

  // Resources.
  'InvalidImageName.Duplicated': {
    meaning: 'An image with this name already exists in the region.',
    fix: 'Choose another image_name, delete the old image, or build with --force.',
  },
  'InvalidImageId.NotFound': {
    meaning: 'The image does not exist in this region.',
    fix: 'Check the image ID and the region (`sindri packer list`).',
  },
  'InvalidInstanceId.NotFound': {
    meaning: 'The instance does not exist in this region.',
    fix: 'Check the instance ID and the region.',
  },
  'InvalidVpcId.NotFound': {
    meaning: 'The VPC does not exist in this region.',
    fix: 'Check vpc_id (`aliyun vpc DescribeVpcs`).',
  },
  'OperationDenied.NoStock': {
    meaning: 'The zone has no stock of this instance type right now.',
    fix: 'Try another zone or instance type.',
  },
  'Zone.NotOnSale': {
    meaning: 'The zone does not sell this resource.',
    fix: 'Pick another zone or remove zone_id.',
  },
  'InvalidSystemDiskCategory.ValueNotSupported': {
    meaning: 'The system disk category is not supported for this instance type or zone.',
    fix: 'Use another system_disk_category (e.g. cloud_essd) or instance type.',
  },
  'QuotaExceed.Image': {
    meaning: 'The custom image quota of the region is reached.',
    fix: 'Delete old images (`sindri packer delete`) or request a quota increase.',
  },
  'QuotaExceeded.SecurityGroup': {
    meaning: 'The security group quota is reached.',
    fix: 'Delete unused security groups or pass security_group_id.',
  },

  // Image export and OSS.
  'InvalidOSSBucket.NotFound': {
    meaning:
      "The OSS bucket does not exist in the image's region (ExportImage writes only to a bucket of the same account and region).",
    fix: "Create the bucket in the image's region, or export from the bucket's region (--region); check the bucket name in --to.",
  },
  NoSetRoletoECSServiceAcount: {
    meaning: 'ECS has no RAM role to write the export into OSS.',
    fix: 'Create the role AliyunECSImageExportDefaultRole (trusting ecs.aliyuncs.com, with AliyunECSImageExportRolePolicy) or authorize exports once in the ECS console; `sindri packer doctor` checks it. For another role, pass --role-name.',
  },
  ImageIsExporting: {
    meaning: 'ECS exports an image once at a time, and this one is being exported.',
    fix: 'Wait for the running export (`aliyun ecs DescribeTasks --TaskAction ExportImage`) or cancel it (`aliyun ecs CancelTask`); sindri follows a running export to the same --to by itself.',
  },
  SecurityTokenExpired: {
    meaning: 'OSS refused an expired STS token.',
    fix: 'sindri renews the credentials it obtains itself (role ARN, OIDC, ECS RAM role); a token given in ALIBABA_CLOUD_SECURITY_TOKEN cannot be renewed: get a fresh one, or configure a role (see "Credentials").',
  },
  // Raised by sindri itself, before or around the API.
  CredentialsNotFound: {
    meaning: 'No credential source is configured.',
    fix: 'Run `aliyun configure`, or export ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY (see "Credentials" in docs/troubleshooting.md).',
  },
  CredentialsIncomplete: {
    meaning: 'A credential source is only partly configured.',
    fix: 'Set the missing variable named in the message, or unset the others.',
  },
  ProfileNotFound: {
    meaning: 'The credentials profile does not exist.',
    fix: 'Check credentials_profile / ALIBABA_CLOUD_PROFILE against `aliyun configure list`.',
  },
  ProfileModeUnsupported: {
    meaning: 'The profile uses an authentication mode sindri cannot use.',
    fix: 'Use a profile in mode AK, StsToken, RamRoleArn, ChainableRamRoleArn, EcsRamRole or OIDC.',
  },
  CredentialsFileInvalid: {
    meaning: 'A credentials file cannot be parsed.',
    fix: 'Repair the file named in the message (`aliyun configure` rewrites ~/.aliyun/config.json).',
  },
  InvalidEndpoint: {
    meaning: 'An endpoint override is malformed.',
    fix: 'Use a URL such as https://ecs.cn-hangzhou.aliyuncs.com or http://127.0.0.1:8080, without a path.',
  },
  InvalidResponse: {
    meaning:
      'The endpoint answered with something that is not the API (often a proxy or gateway error page).',
    fix: 'Check the endpoint and proxy settings (HTTPS_PROXY, NO_PROXY); retry later if it was a gateway hiccup.',
  },
  WaitTimeout: {
    meaning: 'A resource did not reach the expected state in time.',
    fix: 'Check the resource in the console; raise the timeout if the operation is just slow (image copies can take an hour).',
  },
  DependencyViolation: {
    meaning: 'The resource is still in use by another resource.',
    fix: 'Delete or detach the dependent resources first (for an image: instances or copies using it).',
  },
};

/** Families of codes answered by one hint when the exact code is not listed. */
const QUOTA_HINT: ErrorHint = {
  meaning: 'An account quota is reached.',
  fix: 'Release unused resources or request a quota increase (`aliyun ecs DescribeAccountAttributes`).',
};

const FAMILY_HINTS: ReadonlyArray<[prefix: string, hint: ErrorHint]> = [
  ['Throttling', ERROR_HINTS.Throttling as ErrorHint],
  ['QuotaExceed', QUOTA_HINT],
  ['QuotaExceeded', QUOTA_HINT],
  ['Forbidden', ERROR_HINTS.Forbidden as ErrorHint],
  ['InvalidSecurityToken', ERROR_HINTS['InvalidSecurityToken.Expired'] as ErrorHint],
  ['InvalidAccessKeyId', ERROR_HINTS['InvalidAccessKeyId.NotFound'] as ErrorHint],
];

export function hintFor(code: string | undefined): ErrorHint | undefined {
  if (!code) return undefined;
  const exact = ERROR_HINTS[code];
  if (exact) return exact;
  for (const [prefix, hint] of FAMILY_HINTS)
    if (code === prefix || code.startsWith(`${prefix}.`)) return hint;
  return undefined;
}

export interface CloudErrorInit {
  code: string;
  message: string;
  requestId?: string;
  product?: string;
  action?: string;
  statusCode?: number;
  retryable?: boolean;
  attempts?: number;
  recommend?: string;
  /** `ecs:CopyImage`: the action RAM refused (from AccessDeniedDetail, or the call itself). */
  deniedAction?: string;
}

/** Codes by which RAM refuses a call. */
export function isPermissionDenied(code: string | undefined): boolean {
  return code === 'Forbidden.RAM' || code === 'Forbidden' || code === 'NoPermission';
}

/** The hint for a refused call that names the action to allow. */
export function deniedActionHint(actions: readonly string[]): ErrorHint {
  const list = actions.join(', ');
  return {
    meaning: `The RAM identity may not call ${list}.`,
    fix: `Allow ${list} in a policy attached to the RAM user or role; \`sindri packer doctor --print-policy\` prints the minimal policy for this configuration.`,
  };
}

const NETWORK_HINTS: Record<string, ErrorHint> = {
  ECONNREFUSED: {
    meaning: 'The endpoint refused the connection.',
    fix: 'Check the endpoint (config `endpoints:` / SINDRI_ENDPOINT_*) and any proxy settings.',
  },
  ENOTFOUND: {
    meaning: 'The endpoint host name does not resolve.',
    fix: 'Check the region, the endpoint override and DNS; behind a proxy set HTTPS_PROXY.',
  },
};

/**
 * An Alibaba Cloud failure in a form the CLI can show. It carries only sanitised fields:
 * never the request, the SDK error object or anything derived from the credentials.
 */
export class CloudError extends SindriError {
  readonly product: string | undefined;
  readonly action: string | undefined;
  readonly statusCode: number | undefined;
  readonly retryable: boolean;
  readonly attempts: number;
  readonly recommend: string | undefined;
  readonly hint: ErrorHint | undefined;
  readonly deniedAction: string | undefined;

  constructor(init: CloudErrorInit) {
    const deniedAction = isPermissionDenied(init.code)
      ? (init.deniedAction ?? (init.product && init.action ? `${init.product}:${init.action}` : undefined))
      : undefined;
    const hint = deniedAction
      ? deniedActionHint([deniedAction])
      : (hintFor(init.code) ?? NETWORK_HINTS[init.code]);
    super(init.message, {
      code: init.code,
      requestId: init.requestId,
      actions: hint ? [hint.fix] : [],
    });
    this.name = 'CloudError';
    this.product = init.product;
    this.action = init.action;
    this.statusCode = init.statusCode;
    this.retryable = init.retryable ?? false;
    this.attempts = init.attempts ?? 1;
    this.recommend = init.recommend;
    this.deniedAction = deniedAction;
    this.hint = hint;
  }

  /** `Forbidden.RAM: <message>`, naming the refused action when there is one. */
  override summary(): string {
    const denied = this.deniedAction ? ` (may not call ${this.deniedAction})` : '';
    return `${this.code}${denied}: ${this.message}`;
  }

  override details(): Record<string, unknown> {
    return {
      product: this.product,
      action: this.action,
      ...(this.deniedAction ? { deniedAction: this.deniedAction } : {}),
      statusCode: this.statusCode,
      retryable: this.retryable,
      attempts: this.attempts,
      ...(this.hint ? { meaning: this.hint.meaning } : {}),
    };
  }
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v.length > 0 && v !== 'undefined' && v !== 'null') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/** `String(v)` that never throws (objects may carry a broken `toString`). */
export function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** A finite number from an unknown value, or undefined (never throws). */
export function safeNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? n : undefined;
}

/** Reads a property of an unknown value without trusting its shape. */
export function prop(obj: unknown, key: string): unknown {
  if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function')) return undefined;
  return (obj as Record<string, unknown>)[key];
}

/** Network-level error codes as Node and the SDK's HTTP layer report them. */
export const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The SDK's HTTP layer names its timeouts (`ReadTimeoutError`, `ConnectTimeoutError`) but sets no code. */
export function networkCode(err: unknown): string | undefined {
  const code = str(prop(err, 'code'));
  if (code && NETWORK_CODES.has(code)) return code;
  const name = str(prop(err, 'name')) ?? '';
  // httpx: `RequestTimeoutError` for both "ReadTimeout(ms)" and "ConnectTimeout" (socket idle).
  if (/ReadTimeout|ConnectTimeout|RequestTimeout/i.test(name)) return 'ETIMEDOUT';
  const message = str(prop(err, 'message')) ?? '';
  if (/socket hang up/i.test(message)) return 'ECONNRESET';
  const cause = prop(err, 'cause');
  if (cause && cause !== err) return networkCode(cause);
  return undefined;
}

/** Drops query strings from URLs in a message: the SDK's transport errors quote the signed request URL. */
export function stripQueries(text: string): string {
  return text.replace(/(https?:\/\/[^\s?"']+)\?[^\s"']*/g, '$1');
}

function clean(text: string, secrets: Iterable<string | undefined>): string {
  return redact(stripQueries(text), secrets);
}

export interface ToCloudErrorContext {
  product?: string;
  action?: string;
  attempts?: number;
  retryable?: boolean;
  /** Values that must never appear in the result (credentials). */
  secrets?: Iterable<string | undefined>;
}

/**
 * Turns whatever the SDK or the network threw into a CloudError. Works on the shape of the
 * error (`code`, `name`, `statusCode`, `data`), not on `instanceof`, because the SDK's error
 * classes come from several package copies and an HTML 502 surfaces as a bare SyntaxError.
 */
export function toCloudError(err: unknown, ctx: ToCloudErrorContext = {}): CloudError {
  const secrets = [...(ctx.secrets ?? [])];
  const base = {
    product: ctx.product,
    action: ctx.action,
    attempts: ctx.attempts,
    retryable: ctx.retryable,
  };
  if (err instanceof CloudError) {
    return new CloudError({
      code: err.code,
      message: clean(err.message, secrets),
      requestId: err.requestId,
      statusCode: err.statusCode,
      recommend: err.recommend,
      product: ctx.product ?? err.product,
      action: ctx.action ?? err.action,
      attempts: ctx.attempts ?? err.attempts,
      retryable: ctx.retryable ?? err.retryable,
      ...(err.deniedAction ? { deniedAction: err.deniedAction } : {}),
    });
  }
  const data = prop(err, 'data');
  const statusCode = safeNumber(prop(err, 'statusCode') ?? prop(data, 'statusCode')) || undefined;
  const apiCode = str(prop(data, 'Code')) ?? (statusCode ? str(prop(err, 'code')) : undefined);
  if (apiCode || statusCode) {
    const serverMessage =
      str(prop(data, 'Message')) ??
      (str(prop(err, 'message')) ?? '').replace(/^code: \d+, /, '').replace(/ request id: \S*$/, '');
    return new CloudError({
      ...base,
      code: apiCode ?? `HTTP${statusCode}`,
      message: clean(serverMessage || `HTTP ${statusCode}`, secrets),
      requestId: str(prop(data, 'RequestId')) ?? str(prop(err, 'requestId')),
      statusCode,
      recommend: str(prop(data, 'Recommend')),
      deniedAction: str(prop(prop(data, 'AccessDeniedDetail'), 'AuthAction')),
    });
  }
  const net = networkCode(err);
  if (net) {
    return new CloudError({
      ...base,
      code: net,
      message: clean(str(prop(err, 'message')) ?? net, secrets),
    });
  }
  if (str(prop(err, 'name')) === 'SyntaxError') {
    return new CloudError({
      ...base,
      code: 'InvalidResponse',
      message:
        'The endpoint answered with something that is not JSON (often an HTML error page from a gateway or proxy).',
    });
  }
  if (str(prop(err, 'name')) === 'AbortError') {
    return new CloudError({ ...base, code: 'Aborted', message: 'The operation was cancelled.' });
  }
  return new CloudError({
    ...base,
    code: str(prop(err, 'code')) ?? str(prop(err, 'name')) ?? 'UnknownError',
    message: clean(str(prop(err, 'message')) ?? safeString(err), secrets),
  });
}

/** One paragraph a user can act on. Unknown codes show the raw code, message and request ID. */
export function describeCloudError(err: unknown, secrets: Iterable<string | undefined> = []): string {
  const e = toCloudError(err, { secrets });
  const where = [e.product?.toUpperCase(), e.action].filter(Boolean).join(' ');
  const lines: string[] = [];
  const hint = e.hint;
  const head = where ? `${where} failed` : 'Alibaba Cloud call failed';
  if (hint) {
    lines.push(`${head}: ${hint.meaning}`);
    lines.push(`  Fix: ${hint.fix}`);
    lines.push(`  Code: ${e.code}${e.message ? ` (${e.message})` : ''}`);
  } else {
    lines.push(`${head}: ${e.code}: ${e.message}`);
    if (e.recommend) lines.push(`  See: ${e.recommend}`);
  }
  if (e.requestId) lines.push(`  Request ID: ${e.requestId}`);
  if (e.attempts > 1) lines.push(`  Attempts: ${e.attempts}`);
  return redact(lines.join('\n'), secrets);
}
