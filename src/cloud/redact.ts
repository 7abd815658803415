/**
 * Removes credential material from text before it is shown or logged. Used for every error
 * message of the cloud layer and by the CLI's `--debug` output.
 */

export const REDACTED = '***';

/** Secrets shorter than this are not searched for: replacing "a" everywhere would garble text. */
const MIN_SECRET_LENGTH = 4;

/** Parameters, headers and fields whose value is always a credential or signature. */
const SENSITIVE_PATTERNS: RegExp[] = [
  // Query-string style (RPC signature v1, STS responses echoed in URLs), raw or percent-encoded.
  /((?:^|[?&\s"'])(?:Signature|SecurityToken|AccessKeySecret|AccessKeyId)(?:=|%3D))[^&\s"']+/gi,
  // ACS3 Authorization header: keep the scheme, hide the credential and the signature.
  /(ACS3-[A-Z0-9-]+\s+)Credential=[^\s"']+/gi,
  /(x-acs-security-token\s*[:=]\s*)[^\s,"']+/gi,
  // JSON or YAML style fields, quoted or not.
  /((?:"|')?(?:AccessKeySecret|access_key_secret|accessKeySecret|SecurityToken|securityToken|sts_token|security_token|ALICLOUD_SECRET_KEY|ALIBABA_CLOUD_ACCESS_KEY_SECRET|ALIYUN_ACCESS_KEY_SECRET|ALIBABA_CLOUD_SECURITY_TOKEN|SECURITY_TOKEN)(?:"|')?\s*[:=]\s*"?)[^"\s,}]+/g,
  // The server echoes the whole string to sign on SignatureDoesNotMatch; it names the key ID.
  /(server string to sign is:?\s*)\S+/gi,
];

function variants(secret: string): string[] {
  const out = new Set<string>([secret]);
  out.add(encodeURIComponent(secret));
  // RFC 3986 encoding as used by the signers (also escapes !'()*).
  out.add(
    encodeURIComponent(secret).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  );
  out.add(JSON.stringify(secret).slice(1, -1));
  return [...out].filter((v) => v.length >= MIN_SECRET_LENGTH);
}

/**
 * Replaces every occurrence of each secret (raw, percent-encoded or JSON-escaped) and every
 * well-known credential field or signature in `text` with `***`.
 */
export function redact(text: string, secrets: Iterable<string | undefined | null> = []): string {
  let out = text;
  const all = [...secrets]
    .filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)
    .flatMap(variants)
    // Longest first, so that a secret containing another is replaced whole.
    .sort((a, b) => b.length - a.length);
  for (const s of all) out = out.split(s).join(REDACTED);
  for (const re of SENSITIVE_PATTERNS) out = out.replace(re, (_m, keep: string) => `${keep}${REDACTED}`);
  return out;
}

/** Shows just enough of an AccessKey ID to tell keys apart: `LTAI****0001`. */
export function maskKeyId(id: string): string {
  if (id.length <= 8) return REDACTED;
  return `${id.slice(0, 4)}****${id.slice(-4)}`;
}

/** Every value of `creds` that must be kept out of messages. */
export function credentialSecrets(
  creds: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string | undefined } | undefined,
): string[] {
  if (!creds) return [];
  return [creds.accessKeyId, creds.accessKeySecret, creds.securityToken].filter((s): s is string => !!s);
}
