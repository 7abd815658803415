/** Test helper: hand-made v1-signed RPC requests, for what the SDKs cannot send (stale timestamps, proxy form). */
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { signV1 } from './signature.ts';

export interface RawRpc {
  accessKeyId: string;
  secret: string;
  params: Record<string, string>;
  timestamp?: string;
  securityToken?: string;
}

export function signedQuery(rpc: RawRpc): string {
  const params: Record<string, string> = {
    Format: 'JSON',
    AccessKeyId: rpc.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: rpc.timestamp ?? `${new Date().toISOString().slice(0, 19)}Z`,
    SecurityToken: rpc.securityToken ?? '',
    ...rpc.params,
  };
  params.Signature = signV1('POST', params, rpc.secret);
  return new URLSearchParams(params).toString().replaceAll('+', '%20');
}

export interface RawResponse {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs to the emulator, either directly or as a proxy request for `proxyHost` (absolute URI). */
export function rawPost(emulatorUrl: string, query: string, proxyHost?: string): Promise<RawResponse> {
  const base = new URL(emulatorUrl);
  const path = proxyHost ? `http://${proxyHost}/?${query}` : `/?${query}`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        method: 'POST',
        path,
        headers: { host: proxyHost ?? base.host },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            body = { text };
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
