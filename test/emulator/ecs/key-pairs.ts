/** Key pairs: created (a real RSA key) or imported, listed, deleted, attached to instances. */
import { createHash, generateKeyPairSync } from 'node:crypto';
import ssh2 from 'ssh2';
import type { RegionInfo } from '../catalog.ts';
import { type CallContext, type Handler, requireRegion } from '../context.ts';
import { ApiError, notFound } from '../errors.ts';
import { ecsTags, matchesTags, paginate } from '../params.ts';
import { isoSeconds, type KeyPair, randomId } from '../state.ts';
import { nameFilter } from './shared.ts';

/** The SSH wire-format public key of an OpenSSH or PEM key, or undefined when it cannot be parsed. */
export function sshPublicKey(key: string): { openssh: string; fingerprint: string } | undefined {
  const parsed = ssh2.utils.parseKey(key);
  if (parsed instanceof Error) return undefined;
  const pub = parsed.getPublicSSH();
  const md5 = createHash('md5').update(pub).digest('hex');
  return {
    openssh: `${parsed.type} ${pub.toString('base64')}`,
    fingerprint: md5.match(/../g)?.join(':') ?? md5,
  };
}

export function findKeyPair(ctx: CallContext, regionId: string, name: string): KeyPair {
  const kp = ctx.world.list('keypair', regionId, ctx.accountId).find((k) => k.name === name);
  if (!kp) throw notFound('KeyPairName', `The specified KeyPairName "${name}" does not exist.`);
  return kp;
}

function addKeyPair(
  ctx: CallContext,
  region: RegionInfo,
  name: string,
  publicKey: string,
  fingerprint: string,
): KeyPair {
  const w = ctx.world;
  if (!/^[\p{L}][\p{L}\p{N}._:-]{1,127}$/u.test(name) || /^https?:\/\//.test(name))
    throw new ApiError('InvalidKeyPairName.Malformed', `The specified KeyPairName "${name}" is not valid.`);
  if (w.list('keypair', region.regionId, ctx.accountId).some((k) => k.name === name))
    throw new ApiError('KeyPair.AlreadyExist', `The key pair "${name}" already exists.`);
  if (w.list('keypair', region.regionId, ctx.accountId).length >= w.quota(ctx.accountId, 'keyPairs'))
    throw new ApiError('QuotaExceeded.KeyPair', 'The number of key pairs has reached the quota.');
  const now = w.now();
  return w.add<KeyPair>({
    kind: 'keypair',
    id: name,
    regionId: region.regionId,
    accountId: ctx.accountId,
    createdAt: now,
    tags: ctx.p.tagMap(),
    timeline: [{ at: now, status: 'Available' }],
    name,
    publicKey,
    fingerprint,
  });
}

export const CreateKeyPair: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const name = ctx.p.req('KeyPairName');
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const pub = sshPublicKey(privateKey);
  if (!pub)
    throw new ApiError('InternalError', 'The request processing has failed due to some unknown error.', 500);
  const kp = addKeyPair(ctx, region, name, pub.openssh, pub.fingerprint);
  return {
    KeyPairName: kp.name,
    KeyPairId: `kp-${region.idPrefix}${randomId(17)}`,
    KeyPairFingerPrint: kp.fingerprint,
    PrivateKeyBody: privateKey,
  };
};

export const ImportKeyPair: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const name = ctx.p.req('KeyPairName');
  const body = ctx.p.req('PublicKeyBody');
  const pub = /^(ssh-rsa|ssh-ed25519|ecdsa-sha2-\S+) /.test(body.trim())
    ? sshPublicKey(body.trim())
    : undefined;
  if (!pub)
    throw new ApiError(
      'InvalidPublicKeyBody.Malformed',
      'The specified PublicKeyBody is not a valid OpenSSH public key.',
    );
  const kp = addKeyPair(ctx, region, name, pub.openssh, pub.fingerprint);
  return { KeyPairName: kp.name, KeyPairFingerPrint: kp.fingerprint };
};

export const DescribeKeyPairs: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const p = ctx.p;
  const nameMatches = nameFilter(p.str('KeyPairName'));
  const tags = p.tags();
  const all = ctx.world
    .list('keypair', region.regionId, ctx.accountId)
    .filter((k) => nameMatches(k.name))
    .filter((k) => p.str('KeyPairFingerPrint') === undefined || k.fingerprint === p.str('KeyPairFingerPrint'))
    .filter((k) => matchesTags(k.tags, tags));
  const page = paginate(all, p, { max: 50 });
  return {
    ...page.fields,
    KeyPairs: {
      KeyPair: page.items.map((k) => ({
        KeyPairName: k.name,
        KeyPairFingerPrint: k.fingerprint,
        PublicKey: k.publicKey,
        CreationTime: isoSeconds(k.createdAt),
        ResourceGroupId: '',
        Tags: ecsTags(k.tags),
      })),
    },
  };
};

export const DeleteKeyPairs: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const names = ctx.p.jsonList('KeyPairNames');
  if (!names || names.length === 0)
    throw new ApiError('MissingParameter', 'KeyPairNames is mandatory for this action.');
  for (const name of names) {
    const kp = ctx.world.list('keypair', region.regionId, ctx.accountId).find((k) => k.name === name);
    if (kp) ctx.world.remove(kp);
  }
  return {};
};

function keyPairBinding(attach: boolean): Handler {
  return (ctx) => {
    const region = requireRegion(ctx);
    const w = ctx.world;
    const kp = findKeyPair(ctx, region.regionId, ctx.p.req('KeyPairName'));
    const ids = ctx.p.jsonList('InstanceIds') ?? [];
    if (ids.length === 0) throw new ApiError('MissingParameter', 'InstanceIds is mandatory for this action.');
    const results = ids.map((id) => {
      const instance = w.get('instance', region.regionId, id);
      if (!instance || instance.accountId !== ctx.accountId)
        return { InstanceId: id, Success: 'false', Code: '404', Message: 'InvalidInstanceId.NotFound' };
      if (attach) instance.keyPairName = kp.name;
      else if (instance.keyPairName === kp.name) instance.keyPairName = '';
      return { InstanceId: id, Success: 'true', Code: '200', Message: 'successful' };
    });
    const failed = results.filter((r) => r.Success === 'false').length;
    return {
      KeyPairName: kp.name,
      TotalCount: String(results.length),
      FailCount: String(failed),
      Results: { Result: results },
    };
  };
}

export const AttachKeyPair = keyPairBinding(true);
export const DetachKeyPair = keyPairBinding(false);
