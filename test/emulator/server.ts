/** The HTTP front: the RPC endpoint, the forward proxy for `*.aliyuncs.com`, and the admin API. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import { buffer } from 'node:stream/consumers';
import type { AccessKeyRecord } from './accounts.ts';
import type { EmulatorAdmin } from './admin.ts';
import { handleAdmin } from './admin-http.ts';
import { regionById } from './catalog.ts';
import { type CallContext, type Handler, PRODUCT_VERSIONS, type Product } from './context.ts';
import { ecsHandlers, VPC_ACTIONS, vpcHandlers } from './ecs.ts';
import { ApiError } from './errors.ts';
import { ANONYMOUS_ACTIONS, ramHandlers, stsHandlers } from './iam.ts';
import { Params } from './params.ts';
import { evaluate } from './policy.ts';
import { parseAcs3Authorization, sha256Hex, verifyAcs3, verifyV1 } from './signature.ts';
import type { World } from './state.ts';

/** The caller of an anonymous action: no account, no key. */
const ANONYMOUS: AccessKeyRecord = {
  accessKeyId: '',
  secret: '',
  principal: { type: 'root', accountId: '' },
};

export const HANDLERS: Record<Product, Record<string, Handler>> = {
  ecs: ecsHandlers,
  vpc: vpcHandlers,
  ram: ramHandlers,
  sts: stsHandlers,
};

const PRODUCT_BY_VERSION = new Map(Object.entries(PRODUCT_VERSIONS).map(([p, v]) => [v, p as Product]));
const PRODUCT_NAMES: Record<Product, string> = { ecs: 'Ecs', vpc: 'Vpc', ram: 'Ram', sts: 'Sts' };
const TIMESTAMP_TOLERANCE_MS = 15 * 60 * 1000;
const AUTH_PARAMS = new Set([
  'AccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'SignatureType',
  'Timestamp',
  'SecurityToken',
  'Format',
  'ClientToken',
  'Action',
  'Version',
]);

/** `ecs-cn-hangzhou.aliyuncs.com`, `ecs.cn-hangzhou.aliyuncs.com`, `vpc.aliyuncs.com`, … */
export function parseApiHost(host: string): { product?: Product; region?: string } | undefined {
  const name = host.replace(/:\d+$/, '').toLowerCase();
  const m = /^([a-z]+)(?:[.-](.+))?\.aliyuncs\.com$/.exec(name);
  if (!m) return undefined;
  const product = (['ecs', 'vpc', 'ram', 'sts'] as const).find((p) => p === m[1]);
  const rest = m[2];
  const region = rest && regionById(rest) ? rest : undefined;
  return { ...(product ? { product } : {}), ...(region ? { region } : {}) };
}

interface Outcome {
  status: number;
  body: Record<string, unknown>;
  code?: string;
  drop?: boolean;
  headers?: Record<string, string>;
}

export class ApiServer {
  readonly world: World;
  readonly admin: EmulatorAdmin;
  readonly http: Server;
  private readonly sockets = new Set<Socket>();
  /** The OSS emulator: claims OSS requests before anything else reads them. */
  oss: { claim(req: IncomingMessage, res: ServerResponse): boolean } | undefined;
  /** Filled in once listening. */
  url = '';
  sshPort = 0;

  constructor(world: World, admin: EmulatorAdmin) {
    this.world = world;
    this.admin = admin;
    // RunCommand and SendFile carry up to 24 and 32 KB of Base64 in the query; Node's default caps the
    // request line and headers at 16 KB.
    this.http = createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => {
      this.onRequest(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json;charset=utf-8' });
          res.end(
            JSON.stringify({
              Code: 'InternalError',
              Message: String(err),
              RequestId: randomUUID().toUpperCase(),
              HostId: '',
              Recommend: '',
            }),
          );
        }
      });
    });
    this.http.keepAliveTimeout = 30_000;
    this.http.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.http.on('connect', (req: IncomingMessage, socket: Socket) => {
      // No TLS interception: refuse every tunnel at once so clients fall back to plain HTTP endpoints.
      this.admin.record({
        time: new Date().toISOString(),
        requestId: '',
        method: 'CONNECT',
        host: req.url ?? '',
        proxied: true,
        params: {},
        status: 403,
        durationMs: 0,
      });
      socket.on('error', () => {});
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
  }

  closeAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.oss?.claim(req, res)) return;
    const started = Date.now();
    const rawUrl = req.url ?? '/';
    const proxied = /^https?:\/\//i.test(rawUrl);
    const url = new URL(proxied ? rawUrl : `http://${req.headers.host ?? 'localhost'}${rawUrl}`);
    const host = proxied ? url.host : (req.headers.host ?? '');
    const body = await buffer(req);

    if (!proxied && url.pathname.startsWith('/__admin')) {
      await handleAdmin(this, req, res, url, body);
      return;
    }
    const hostInfo = proxied ? parseApiHost(url.hostname) : undefined;
    if (proxied && !hostInfo) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end(`The emulator only proxies *.aliyuncs.com, not ${url.hostname}\n`);
      return;
    }

    const query = flatten(parseQuery(url.search.replace(/^\?/, '')));
    const contentType = String(req.headers['content-type'] ?? '');
    const form = contentType.includes('application/x-www-form-urlencoded')
      ? flatten(parseQuery(body.toString('utf8')))
      : {};
    const params = { ...query, ...form };
    const requestId = randomUUID().toUpperCase();
    const log: Parameters<EmulatorAdmin['record']>[0] = {
      time: new Date(started).toISOString(),
      requestId,
      method: req.method ?? 'POST',
      host,
      proxied,
      params: Object.fromEntries(Object.entries(params).filter(([k]) => k !== 'Signature')),
      status: 0,
      durationMs: 0,
    };
    const outcome = await this.call(req, url, query, params, body, hostInfo, requestId, log);
    log.status = outcome.status;
    if (outcome.code) log.code = outcome.code;
    log.durationMs = Date.now() - started;
    this.admin.record(log);
    if (outcome.drop) {
      req.socket.destroy();
      return;
    }
    const text = JSON.stringify(outcome.body);
    res.writeHead(outcome.status, {
      'content-type': 'application/json;charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'x-acs-request-id': requestId,
      ...outcome.headers,
    });
    res.end(text);
  }

  private async call(
    req: IncomingMessage,
    url: URL,
    query: Record<string, string>,
    params: Record<string, string>,
    body: Buffer,
    hostInfo: { product?: Product; region?: string } | undefined,
    requestId: string,
    log: Parameters<EmulatorAdmin['record']>[0],
  ): Promise<Outcome> {
    const headers = req.headers;
    const version = params.Version ?? header(headers['x-acs-version']);
    const action = params.Action ?? header(headers['x-acs-action']);
    const product = version ? PRODUCT_BY_VERSION.get(version) : hostInfo?.product;
    const hostId = `${product ?? hostInfo?.product ?? 'ecs'}${hostInfo?.region ? `.${hostInfo.region}` : ''}.aliyuncs.com`;
    let headersOut: Record<string, string> | undefined;
    const fail = (e: ApiError): Outcome => ({
      status: e.status,
      code: e.code,
      ...(headersOut ? { headers: headersOut } : {}),
      body: {
        RequestId: requestId,
        HostId: hostId,
        Code: e.code,
        Message: e.message,
        Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(e.code)}&product=${product ? PRODUCT_NAMES[product] : 'Ecs'}&requestId=${requestId}`,
        ...e.extra,
      },
    });
    if (action) log.action = action;
    if (version) log.version = version;
    if (product) log.product = product;
    const region = params.RegionId ?? hostInfo?.region;
    if (region) log.regionId = region;
    try {
      if (!version) throw new ApiError('MissingVersion', 'Version is mandatory for this action.', 400);
      if (!product || (hostInfo?.product && hostInfo.product !== product))
        throw new ApiError('InvalidVersion', `Specified parameter Version "${version}" is not valid.`, 400);
      if (!action) throw new ApiError('MissingAction', 'Action is mandatory for this request.', 400);
      const handler = HANDLERS[product][action];
      if (!handler)
        throw new ApiError(
          'InvalidAction.NotFound',
          `Specified api "${action}" is not found, please check your url and method.`,
          404,
        );

      // AssumeRoleWithOIDC is called without credentials: the OIDC token in it is the proof.
      const anonymous = ANONYMOUS_ACTIONS.has(`${product}:${action}`);
      const key = anonymous ? ANONYMOUS : this.authenticate(req, url, query, params, body, log);
      if (!anonymous) this.authorize(key, product, action);

      const fault = this.admin.pickFault(product, action, region, log.signatureMethod);
      const loseResponse = fault?.dropResponse === true;
      if (fault) {
        log.fault = fault.id;
        if (fault.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
        if (fault.drop) return { status: 0, body: {}, drop: true, code: 'ConnectionDropped' };
        if (fault.retryAfterMs !== undefined)
          headersOut = { 'x-acs-retry-after': String(fault.retryAfterMs) };
        if (fault.code && !fault.afterCall) throw faultError(fault);
      }

      const ctx: CallContext = {
        world: this.world,
        p: new Params(params),
        product,
        action,
        requestId,
        accountId: key.principal.accountId,
        principal: key.principal,
        accessKey: key,
        hostRegion: hostInfo?.region,
      };
      const token = params.ClientToken;
      const idempotent = token !== undefined && token !== '' && !/^(Describe|List|Get)/.test(action);
      const tokenKey = `${ctx.accountId}|${product}|${action}|${token}`;
      const fingerprint = JSON.stringify(
        Object.keys(params)
          .filter((k) => !AUTH_PARAMS.has(k))
          .sort()
          .map((k) => [k, params[k]]),
      );
      if (idempotent) {
        const seen = this.world.clientTokens.get(tokenKey);
        if (seen) {
          if (seen.fingerprint !== fingerprint)
            throw new ApiError(
              'IdempotentParameterMismatch',
              'The request uses the same client token as a previous, but non-identical request.',
              400,
            );
          return { status: 200, body: { ...seen.response, RequestId: requestId } };
        }
      }
      const result = handler(ctx);
      const response: Record<string, unknown> = { RequestId: requestId, ...result };
      for (const field of fault?.omitFields ?? []) delete response[field];
      if (idempotent) this.world.clientTokens.set(tokenKey, { fingerprint, response });
      if (loseResponse) return { status: 0, body: {}, drop: true, code: 'ResponseDropped' };
      if (fault?.code && fault.afterCall) throw faultError(fault);
      return { status: 200, body: response };
    } catch (err) {
      if (err instanceof ApiError) return fail(err);
      return fail(
        new ApiError(
          'InternalError',
          `The request processing has failed due to some unknown error. ${String(err)}`,
          500,
        ),
      );
    }
  }

  private authenticate(
    req: IncomingMessage,
    url: URL,
    query: Record<string, string>,
    params: Record<string, string>,
    body: Buffer,
    log: Parameters<EmulatorAdmin['record']>[0],
  ): AccessKeyRecord {
    const w = this.world;
    const headers = req.headers;
    const authorization = header(headers.authorization);
    const acs3 = authorization ? parseAcs3Authorization(authorization) : undefined;
    const method = req.method ?? 'POST';
    let accessKeyId: string;
    let timestamp: string | undefined;
    let nonce: string | undefined;
    let token: string | undefined;
    if (acs3) {
      log.signatureMethod = acs3.algorithm;
      if (acs3.algorithm !== 'ACS3-HMAC-SHA256')
        throw new ApiError(
          'InvalidSignatureMethod',
          `The signature algorithm ${acs3.algorithm} is not supported.`,
          400,
        );
      accessKeyId = acs3.accessKeyId;
      timestamp = header(headers['x-acs-date']);
      nonce = header(headers['x-acs-signature-nonce']);
      token = header(headers['x-acs-security-token']);
    } else if (params.Signature !== undefined) {
      log.signatureMethod = params.SignatureMethod ?? 'HMAC-SHA1';
      if ((params.SignatureMethod ?? 'HMAC-SHA1') !== 'HMAC-SHA1')
        throw new ApiError(
          'InvalidSignatureMethod',
          `The signature method ${params.SignatureMethod} is not supported.`,
          400,
        );
      accessKeyId = params.AccessKeyId ?? '';
      timestamp = params.Timestamp;
      nonce = params.SignatureNonce;
      token = params.SecurityToken;
    } else {
      throw new ApiError(
        'IncompleteSignature',
        'The request signature does not conform to Aliyun standards.',
        400,
      );
    }
    log.accessKeyId = accessKeyId;
    if (!accessKeyId)
      throw new ApiError('MissingAccessKeyId', 'AccessKeyId is mandatory for this action.', 400);
    const key = w.accessKeys.get(accessKeyId);
    if (!key) throw new ApiError('InvalidAccessKeyId.NotFound', 'Specified access key is not found.', 404);
    log.principal = describePrincipal(key);

    if (!timestamp) throw new ApiError('MissingTimestamp', 'Timestamp is mandatory for this action.', 400);
    const ts = Date.parse(timestamp);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(timestamp) || Number.isNaN(ts))
      throw new ApiError(
        'InvalidTimeStamp.Format',
        'Specified time stamp or date value is not well formatted.',
        400,
      );
    if (Math.abs(Date.now() - ts) > TIMESTAMP_TOLERANCE_MS)
      throw new ApiError('InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.', 400);

    if (acs3) {
      const payloadHash = header(headers['x-acs-content-sha256']) ?? '';
      if (payloadHash !== sha256Hex(body))
        throw new ApiError(
          'SignatureDoesNotMatch',
          'The x-acs-content-sha256 header does not match the request body.',
          400,
        );
      const ok = verifyAcs3(
        { method, path: url.pathname, query, headers, signedHeaders: acs3.signedHeaders, payloadHash },
        key.secret,
        acs3.signature,
      );
      if (!ok)
        throw new ApiError(
          'SignatureDoesNotMatch',
          'Specified signature does not match our calculation.',
          400,
        );
      for (const h of ['host', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce'])
        if (!acs3.signedHeaders.includes(h))
          throw new ApiError('IncompleteSignature', `The header ${h} must be signed.`, 400);
    } else if (!verifyV1(method, params, key.secret)) {
      throw new ApiError('SignatureDoesNotMatch', 'Specified signature does not match our calculation.', 400);
    }

    if (nonce) {
      const now = Date.now();
      if (w.usedNonces.has(nonce))
        throw new ApiError('SignatureNonceUsed', 'Specified signature nonce was used already.', 400);
      w.usedNonces.set(nonce, now);
      if (w.usedNonces.size > 50_000)
        for (const [n, t] of w.usedNonces) if (now - t > TIMESTAMP_TOLERANCE_MS) w.usedNonces.delete(n);
    }

    if (key.securityToken !== undefined) {
      if (!token)
        throw new ApiError('MissingSecurityToken', 'SecurityToken is mandatory for STS credentials.', 400);
      if (token !== key.securityToken)
        throw new ApiError(
          'InvalidSecurityToken.MismatchWithAccessKey',
          'The security token does not match the access key.',
          400,
        );
      // STS sessions end on the emulated clock (admin advanceTime), the clock their Expiration is in.
      if (key.expiresAt !== undefined && key.expiresAt <= w.now())
        throw new ApiError('InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.', 400);
    }
    return key;
  }

  private authorize(key: AccessKeyRecord, product: Product, action: string): void {
    const pr = key.principal;
    if (pr.type === 'root') return;
    if (product === 'sts' && action === 'GetCallerIdentity') return;
    const names = [`${product}:${action}`];
    if (product === 'ecs' && VPC_ACTIONS.has(action)) names.push(`vpc:${action}`);
    const account = this.world.accounts.get(pr.accountId);
    const attachments =
      pr.type === 'user'
        ? (account?.users.get(pr.userName)?.policies ?? [])
        : (account?.roles.get(pr.roleName)?.policies ?? []);
    const docs = attachments.flatMap((a) => {
      const policy =
        a.policyType === 'System'
          ? this.world.systemPolicies.get(a.policyName)
          : account?.policies.get(a.policyName);
      const version = policy?.versions.find((v) => v.versionId === policy.defaultVersion);
      return version ? [version.document] : [];
    });
    let decision = evaluate(docs, names);
    if (
      decision === 'Allow' &&
      key.sessionPolicy !== undefined &&
      evaluate([key.sessionPolicy], names) !== 'Allow'
    )
      decision = 'ImplicitDeny';
    if (decision !== 'Allow')
      throw new ApiError(
        'Forbidden.RAM',
        // As the real API: the message does not name the action; AccessDeniedDetail does.
        "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
        403,
        {
          AccessDeniedDetail: {
            AuthAction: names[0],
            AuthPrincipalType: pr.type === 'user' ? 'SubUser' : 'AssumedRoleUser',
            AuthPrincipalDisplayName: pr.type === 'user' ? pr.userName : `${pr.roleName}:${pr.sessionName}`,
            AuthPrincipalOwnerId: pr.accountId,
            PolicyType: decision === 'Deny' ? 'AccountLevelIdentityBasedPolicy' : '',
            NoPermissionType: decision === 'Deny' ? 'ExplicitDeny' : 'ImplicitDeny',
            EncodedDiagnosticMessage: '',
          },
        },
      );
  }
}

function describePrincipal(key: AccessKeyRecord): string {
  const pr = key.principal;
  if (pr.type === 'root') return `acs:ram::${pr.accountId}:root`;
  if (pr.type === 'user') return `acs:ram::${pr.accountId}:user/${pr.userName}`;
  return `acs:ram::${pr.accountId}:assumed-role/${pr.roleName.toLowerCase()}/${pr.sessionName}`;
}

/** The error an injected fault answers with (5xx by default for the codes that are server errors). */
function faultError(fault: { code?: string; status?: number; message?: string }): ApiError {
  const code = fault.code ?? 'InternalError';
  const status =
    fault.status ?? (code === 'ServiceUnavailable' ? 503 : code.startsWith('InternalError') ? 500 : 400);
  return new ApiError(code, fault.message ?? defaultFaultMessage(code), status);
}

function defaultFaultMessage(code: string): string {
  if (code.startsWith('Throttling')) return 'Request was denied due to request throttling.';
  if (code === 'ServiceUnavailable')
    return 'The request has failed due to a temporary failure of the server.';
  if (code.startsWith('InternalError')) return 'The request processing has failed due to some unknown error.';
  return `Injected fault: ${code}`;
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function flatten(q: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? (v[0] ?? '') : v;
  }
  return out;
}
