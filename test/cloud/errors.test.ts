import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CloudError,
  describeCloudError,
  ERROR_HINTS,
  hintFor,
  toCloudError,
} from '../../src/cloud/errors.ts';
import { maskKeyId, REDACTED, redact } from '../../src/cloud/redact.ts';

/** The codes of the product guide's "Common Error Codes" table. */
const GUIDE_TABLE = [
  'InvalidAccessKeyId.NotFound',
  'SignatureDoesNotMatch',
  'InvalidRegionId',
  'InvalidZoneId',
  'InvalidInstanceType.NotAvailable',
  'InvalidVSwitchId.NotFound',
  'QuotaExceeded.Eip',
  'InvalidSecurityGroupId.NotFound',
  'IncorrectInstanceStatus',
];

function sdkError(statusCode: number, code: string, message: string) {
  return Object.assign(new Error(`code: ${statusCode}, ${message} request id: REQ-9`), {
    name: statusCode >= 500 ? 'ServerError' : 'ClientError',
    code,
    statusCode,
    requestId: 'REQ-9',
    data: {
      Code: code,
      Message: message,
      RequestId: 'REQ-9',
      Recommend: 'https://api.aliyun.com/troubleshoot?q=x',
    },
  });
}

describe('error hints', () => {
  it('has a sentence and a fix for every code of the guide’s table', () => {
    for (const code of GUIDE_TABLE) {
      const h = hintFor(code);
      assert.ok(h, code);
      assert.ok(h.meaning.endsWith('.') && h.fix.length > 10, code);
    }
  });

  it('answers code families (Throttling.*, QuotaExceeded.*, Forbidden.*) with the family hint', () => {
    assert.equal(hintFor('Throttling.Api'), ERROR_HINTS.Throttling);
    assert.match(hintFor('QuotaExceeded.Vpc')?.fix ?? '', /quota/);
    assert.equal(hintFor('Forbidden.NotAllowedInThisRegion'), ERROR_HINTS.Forbidden);
    assert.equal(hintFor('SomethingElse'), undefined);
  });

  it('documents every code in docs/troubleshooting.md', async () => {
    const doc = await readFile(new URL('../../docs/troubleshooting.md', import.meta.url), 'utf8');
    for (const code of Object.keys(ERROR_HINTS))
      assert.ok(doc.includes(`\`${code}\``), `${code} missing from the docs`);
  });
});

describe('toCloudError and describeCloudError', () => {
  it('turns an SDK error into code, server message and request ID, plus the hint', () => {
    const e = toCloudError(sdkError(400, 'InvalidZoneId', 'The specified zone does not exist.'), {
      product: 'ecs',
      action: 'CreateInstance',
    });
    assert.equal(e.code, 'InvalidZoneId');
    assert.equal(e.message, 'The specified zone does not exist.');
    assert.equal(e.requestId, 'REQ-9');
    assert.equal(e.statusCode, 400);
    const text = describeCloudError(e);
    assert.match(text, /^ECS CreateInstance failed: The zone does not exist in this region\./);
    assert.match(text, /Fix: .*DescribeZones/);
    assert.match(text, /Request ID: REQ-9/);
  });

  it('names the action RAM refused: from AccessDeniedDetail, else the call itself', () => {
    const detailed = Object.assign(sdkError(403, 'Forbidden.RAM', 'User not authorized.'), {
      data: {
        Code: 'Forbidden.RAM',
        Message: 'User not authorized.',
        RequestId: 'REQ-9',
        AccessDeniedDetail: { AuthAction: 'vpc:DescribeVpcs', NoPermissionType: 'ImplicitDeny' },
      },
    });
    const e = toCloudError(detailed, { product: 'ecs', action: 'DescribeVpcs' });
    assert.equal(e.deniedAction, 'vpc:DescribeVpcs');
    assert.equal(e.summary(), 'Forbidden.RAM (may not call vpc:DescribeVpcs): User not authorized.');
    assert.match(
      describeCloudError(e),
      /may not call vpc:DescribeVpcs\.\n {2}Fix: Allow vpc:DescribeVpcs in a policy/,
    );
    assert.equal(toCloudError(e).deniedAction, 'vpc:DescribeVpcs', 'kept when re-wrapped');
    assert.equal(e.details().deniedAction, 'vpc:DescribeVpcs');

    const plain = toCloudError(sdkError(403, 'Forbidden.RAM', 'User not authorized.'), {
      product: 'ecs',
      action: 'CopyImage',
    });
    assert.equal(plain.deniedAction, 'ecs:CopyImage');
    const other = toCloudError(sdkError(400, 'InvalidZoneId', 'x'), { product: 'ecs', action: 'CopyImage' });
    assert.equal(other.deniedAction, undefined, 'only refusals name a denied action');
    assert.equal(other.summary(), 'InvalidZoneId: x');
  });

  it('shows the raw code, message and request ID for unknown codes', () => {
    const text = describeCloudError(sdkError(400, 'Some.NewCode', 'Something new happened.'));
    assert.match(text, /Some\.NewCode: Something new happened\./);
    assert.match(text, /Request ID: REQ-9/);
    assert.match(text, /See: https:\/\/api\.aliyun\.com/);
  });

  it('names network failures and the HTML-502 SyntaxError', () => {
    assert.equal(
      toCloudError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))
        .code,
      'ECONNREFUSED',
    );
    assert.match(
      describeCloudError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })),
      /refused the connection/,
    );
    assert.equal(toCloudError(new SyntaxError('Unexpected token <')).code, 'InvalidResponse');
    assert.equal(
      toCloudError(Object.assign(new Error('Read timeout'), { name: 'ReadTimeoutError' })).code,
      'ETIMEDOUT',
    );
  });

  it('drops the signed query string that transport errors quote', () => {
    const e = toCloudError(
      Object.assign(
        new Error(
          'ReadTimeout(150). POST http://127.0.0.1:1/?AccessKeyId=LTAI-FAKE-Q&Signature=abc&ClientToken=t failed.',
        ),
        { name: 'RequestTimeoutError' },
      ),
    );
    assert.equal(e.code, 'ETIMEDOUT');
    assert.equal(e.message, 'ReadTimeout(150). POST http://127.0.0.1:1/ failed.');
  });

  it('never throws, whatever is thrown at it (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (thing) => {
        const e = toCloudError(thing);
        assert.ok(e instanceof CloudError);
        assert.equal(typeof describeCloudError(thing), 'string');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('redact', () => {
  it('removes secrets raw, percent-encoded and JSON-escaped', () => {
    const secret = 'fake/secret+with=chars"';
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${JSON.stringify(secret)}`;
    const out = redact(text, [secret]);
    assert.ok(!out.includes(secret));
    assert.ok(!out.includes(encodeURIComponent(secret)));
    assert.ok(out.includes(REDACTED));
  });

  it('removes signatures, tokens and Authorization credentials even without the secret list', () => {
    const out = redact(
      'POST /?AccessKeyId=LTAI-FAKE-1&Signature=abc%2B%3D&SecurityToken=tok-one Authorization: ACS3-HMAC-SHA256 Credential=LTAI-FAKE-1,SignedHeaders=host,Signature=ff x-acs-security-token: tok-two {"AccessKeySecret":"s3cr3t"} server string to sign is:POST&%2F&AccessKeyId%3DLTAI-FAKE-1',
    );
    for (const leaked of ['LTAI-FAKE-1', 'abc%2B', 'tok-one', 'tok-two', 's3cr3t', 'Signature=ff'])
      assert.ok(!out.includes(leaked), `${leaked} in ${out}`);
  });

  it('never leaves a secret of 4+ characters in any text (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 4 }), fc.string(), fc.string(), (secret, before, after) => {
        const out = redact(`${before}${secret}${after}`, [secret]);
        assert.ok(!out.includes(secret) || `${before}${after}`.includes(secret) || REDACTED.includes(secret));
      }),
    );
  });

  it('masks key IDs for display', () => {
    assert.equal(maskKeyId('LTAI-FAKE-ROOT-0000000001'), 'LTAI****0001');
    assert.equal(maskKeyId('short'), REDACTED);
  });
});
