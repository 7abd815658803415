/**
 * What the API's error codes mean and what the user can do about them, keyed on the exact codes the
 * real API returns (misspellings included: `InvalidAccount.Forbbiden`, `OperationDeined.*`).
 */
import { IMAGE_ERROR_HINTS } from './image-error-hints.ts';

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
    fix: 'Use a region of the account: `sindri packer doctor` names the closest one (`aliyun ecs DescribeRegions` lists them).',
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
  CredentialsRenewalFailed: {
    meaning: 'The temporary credentials expired and could not be renewed from their source.',
    fix: 'Check the source `sindri packer doctor` names (the role, the OIDC token file, the metadata service), then run again.',
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
  'InvalidRegionId.NotFound': {
    meaning: 'The region does not exist or is not available to this account.',
    fix: 'Use a region of the account: `sindri packer doctor` names the closest one (`aliyun ecs DescribeRegions` lists them).',
  },
  Forbbiden: {
    meaning: 'The identity is not authorized to operate on this resource.',
    fix: "Attach the guide's RAM policy (`sindri packer doctor --print-policy`) to the user or role; check resource_group_id.",
  },

  ...IMAGE_ERROR_HINTS,

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
      'The endpoint answered with something that is not a whole API response: not JSON (often a proxy or gateway error page), or without a field the API always returns (the message names it).',
    fix: 'Check the endpoint and proxy settings (HTTPS_PROXY, NO_PROXY, SINDRI_ENDPOINT*); retry later if it was a gateway hiccup, and report the request ID if it persists.',
  },
  WaitTimeout: {
    meaning: 'A resource did not reach the expected state in time.',
    fix: 'Check the resource in the console; raise the timeout if the operation is just slow (image copies can take an hour).',
  },
  DependencyViolation: {
    meaning: 'The resource is still in use by another resource.',
    fix: 'Delete or detach the dependent resources first (for an image: instances or copies using it).',
  },

  // Export to OSS.
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
  ['Forbbiden', ERROR_HINTS.Forbbiden as ErrorHint],
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
