import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  bypassesProxy,
  parseEndpoint,
  proxyFor,
  resolveEndpointOverrides,
} from '../../src/cloud/endpoints.ts';

describe('parseEndpoint', () => {
  it('splits a URL into host[:port] and protocol, as the SDK needs', () => {
    assert.deepEqual(parseEndpoint('http://127.0.0.1:8080'), { host: '127.0.0.1:8080', protocol: 'http' });
    assert.deepEqual(parseEndpoint('https://ecs-vpc.cn-hangzhou.aliyuncs.com/'), {
      host: 'ecs-vpc.cn-hangzhou.aliyuncs.com',
      protocol: 'https',
    });
    assert.deepEqual(parseEndpoint('ecs.cn-shanghai.aliyuncs.com'), {
      host: 'ecs.cn-shanghai.aliyuncs.com',
      protocol: 'https',
    });
    assert.deepEqual(parseEndpoint('HTTP://Example.COM:80'), { host: 'example.com', protocol: 'http' });
  });

  it('refuses other schemes, paths, queries and embedded credentials', () => {
    for (const bad of [
      'ftp://x.example',
      'http://x.example/api',
      'http://x.example/?a=1',
      'http://user:pw@x.example',
      'http://',
    ]) {
      assert.throws(() => parseEndpoint(bad), { code: 'InvalidEndpoint' }, bad);
    }
    assert.throws(
      () => parseEndpoint('http://user:pw@x.example'),
      (e: Error) => !e.message.includes('pw'),
    );
  });
});

describe('resolveEndpointOverrides', () => {
  it('prefers SINDRI_ENDPOINT_<PRODUCT>, then SINDRI_ENDPOINT, then config', () => {
    const o = resolveEndpointOverrides(
      { SINDRI_ENDPOINT_ECS: 'http://127.0.0.1:1', SINDRI_ENDPOINT: 'http://127.0.0.1:2' },
      { ecs: 'https://a.example', vpc: 'https://b.example' },
    );
    assert.deepEqual(o.ecs, { host: '127.0.0.1:1', protocol: 'http', source: 'env:SINDRI_ENDPOINT_ECS' });
    assert.deepEqual(o.vpc, { host: '127.0.0.1:2', protocol: 'http', source: 'env:SINDRI_ENDPOINT' });
    assert.deepEqual(o.sts?.source, 'env:SINDRI_ENDPOINT');
    const c = resolveEndpointOverrides({}, { ram: 'http://ram.internal.example:8080' });
    assert.deepEqual(c, { ram: { host: 'ram.internal.example:8080', protocol: 'http', source: 'config' } });
  });

  it('names the offending setting in errors', () => {
    assert.throws(() => resolveEndpointOverrides({}, { vpc: 'gopher://x' }), /endpoints\.vpc/);
    assert.throws(
      () => resolveEndpointOverrides({ SINDRI_ENDPOINT_STS: 'http://x/y' }),
      /SINDRI_ENDPOINT_STS/,
    );
  });
});

describe('proxyFor', () => {
  it('uses HTTPS_PROXY for https and HTTP_PROXY for http, lower case too', () => {
    const env = { HTTPS_PROXY: 'http://proxy.example:3128', http_proxy: 'http://plain.example:3128' };
    assert.equal(proxyFor('https://ecs.cn-hangzhou.aliyuncs.com/', env), 'http://proxy.example:3128');
    assert.equal(proxyFor('http://127.0.0.1:8080/', env), 'http://plain.example:3128');
    assert.equal(proxyFor('https://x.example/', {}), undefined);
    assert.equal(proxyFor('https://x.example/', { HTTP_PROXY: 'http://p.example' }), 'http://p.example');
  });

  it('honours NO_PROXY: *, exact hosts, domain suffixes, .suffix and host:port', () => {
    const env = (NO_PROXY: string) => ({ HTTPS_PROXY: 'http://p.example', NO_PROXY });
    assert.equal(proxyFor('https://ecs.aliyuncs.com/', env('*')), undefined);
    assert.equal(proxyFor('https://ecs.aliyuncs.com/', env('aliyuncs.com')), undefined);
    assert.equal(proxyFor('https://ecs.aliyuncs.com/', env('.aliyuncs.com')), undefined);
    assert.equal(proxyFor('https://ecs.aliyuncs.com/', env('*.aliyuncs.com')), undefined);
    assert.equal(proxyFor('https://ecs.aliyuncs.com/', env('ecs.aliyuncs.com:443')), undefined);
    assert.equal(proxyFor('https://ecs.aliyuncs.com/', env('ecs.aliyuncs.com:8443')), 'http://p.example');
    assert.equal(proxyFor('https://notaliyuncs.com/', env('aliyuncs.com')), 'http://p.example');
  });

  it('never bypasses for an unrelated host (property)', () => {
    fc.assert(
      fc.property(fc.domain(), fc.domain(), (host, other) => {
        fc.pre(host !== other && !host.endsWith(`.${other}`));
        assert.equal(bypassesProxy(host, '443', other), false);
        assert.equal(bypassesProxy(host, '443', host), true);
        assert.equal(bypassesProxy(`api.${host}`, '443', `.${host}`), true);
      }),
    );
  });
});
