/**
 * The emulator's OSS signature V4 against the official vectors: Alibaba Cloud's Go SDK v2,
 * `oss/signer/signer_test.go` (`TestV4AuthHeader`, `TestV4AuthHeaderToken`,
 * `TestV4AuthHeaderWithAdditionalHeaders`), so the emulator checks what OSS checks, not what
 * ali-oss happens to send.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canonicalQueryV4,
  canonicalRequestV4,
  parseV4Authorization,
  signatureV4,
  stringToSignV4,
} from '../emulator/oss/signature-v4.ts';

/** `url.Values{param1: value1, +param1: value3, |param1: value4, +param2: "", |param2: "", param2: ""}.Encode()` */
const RAW_QUERY = '%2Bparam1=value3&%2Bparam2=&param1=value1&param2=&%7Cparam1=value4&%7Cparam2=';

function v4Date(unixSeconds: number): string {
  return new Date(unixSeconds * 1000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

function sign(opts: { unix: number; token?: string; additionalHeaders?: string[] }): string {
  const datetime = v4Date(opts.unix);
  const headers: Record<string, string> = {
    'x-oss-head1': 'value',
    abc: 'value',
    zabc: 'value',
    xyz: 'value',
    'content-type': 'text/plain',
    'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
    'x-oss-date': datetime,
    ...(opts.token ? { 'x-oss-security-token': opts.token } : {}),
  };
  const canonical = canonicalRequestV4({
    method: 'PUT',
    bucket: 'bucket',
    key: '1234+-/123/1.txt',
    rawQuery: RAW_QUERY,
    headers,
    additionalHeaders: opts.additionalHeaders ?? [],
  });
  const date = datetime.slice(0, 8);
  const toSign = stringToSignV4(datetime, `${date}/cn-hangzhou/oss/aliyun_v4_request`, canonical);
  return signatureV4('sk', date, 'cn-hangzhou', 'oss', toSign);
}

test('V4 signatures match the Go SDK v2 vectors: plain, with an STS token, with additional headers', () => {
  assert.equal(
    sign({ unix: 1702743657 }),
    'e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe',
  );
  assert.equal(
    sign({ unix: 1702784856, token: 'token' }),
    'b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea',
  );
  assert.equal(
    sign({ unix: 1702747512, additionalHeaders: ['abc', 'zabc'] }),
    '4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f',
  );
  // The date is part of the key and of the string to sign.
  assert.notEqual(sign({ unix: 1702743658 }), sign({ unix: 1702743657 }));
});

test('the canonical query sorts the encoded keys and writes an empty value as the key alone', () => {
  assert.equal(
    canonicalQueryV4(RAW_QUERY),
    '%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2',
  );
  assert.equal(canonicalQueryV4('uploads='), 'uploads');
  assert.equal(canonicalQueryV4('prefix=a%20b&max-keys=10'), 'max-keys=10&prefix=a%20b');
  assert.equal(canonicalQueryV4('prefix=a+b'), 'prefix=a%20b');
});

test('the Authorization header parses with "," or ", " between fields, and says what is wrong', () => {
  const sig = 'e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe';
  const plain = parseV4Authorization(
    `OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=${sig}`,
  );
  const spaced = parseV4Authorization(
    `OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request, AdditionalHeaders=abc;ZAbc, Signature=${sig}`,
  );
  assert.deepEqual(plain, {
    accessKeyId: 'ak',
    date: '20231216',
    region: 'cn-hangzhou',
    product: 'oss',
    terminator: 'aliyun_v4_request',
    additionalHeaders: [],
    signature: sig,
  });
  assert.deepEqual(typeof spaced === 'object' && spaced.additionalHeaders, ['abc', 'zabc']);
  assert.match(
    String(parseV4Authorization(`OSS4-HMAC-SHA256 Signature=${sig}`)),
    /Credential field is missing/,
  );
  assert.match(
    String(
      parseV4Authorization(
        'OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=abc',
      ),
    ),
    /64 hex digits/,
  );
  assert.match(
    String(
      parseV4Authorization(
        `OSS4-HMAC-SHA256 Credential=ak/cn-hangzhou/oss/aliyun_v4_request,Signature=${sig}`,
      ),
    ),
    /Credential is not/,
  );
  assert.match(
    String(
      parseV4Authorization(
        `OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=,Signature=${sig}`,
      ),
    ),
    /AdditionalHeaders field is empty/,
  );
});
