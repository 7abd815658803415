/**
 * An OSS error response: `<Error><Code/><Message/><RequestId/><HostId/>[<EC/>]…</Error>` with the
 * HTTP status, as the OSS error pages and the official SDKs' test fixtures show it. `ec` is the
 * error-center number (`0002-00000007`) where a public source gives it; `extra` adds elements
 * (`StringToSign` on a V4 signature mismatch).
 */
export class OssError extends Error {
  readonly status: number;
  readonly code: string;
  readonly ec: string | undefined;
  readonly extra: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    opts: { ec?: string; extra?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.ec = opts.ec;
    this.extra = opts.extra ?? {};
  }
}

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function xml(root: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}>${inner}</${root}>`;
}

export function el(name: string, value: string | number | boolean): string {
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

/** The error document for a response. */
export function errorBody(e: OssError, requestId: string, hostId: string): string {
  const extra = Object.entries(e.extra)
    .map(([k, v]) => el(k, v))
    .join('');
  return xml(
    'Error',
    el('Code', e.code) +
      el('Message', e.message) +
      el('RequestId', requestId) +
      el('HostId', hostId) +
      extra +
      (e.ec ? el('EC', e.ec) : ''),
  );
}
