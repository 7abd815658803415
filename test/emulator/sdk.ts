/** Test helper: the official Node SDK clients, pointed at an emulator. */
import * as EcsNs from '@alicloud/ecs20140526';
import * as Core from '@alicloud/openapi-core';
import * as RamNs from '@alicloud/ram20150501';
import * as StsNs from '@alicloud/sts20150401';
import * as VpcNs from '@alicloud/vpc20160428';

export { EcsNs as $Ecs, RamNs as $Ram, StsNs as $Sts, VpcNs as $Vpc };

type Ctor<T> = new (config: Core.$OpenApiUtil.Config) => T;
/** CommonJS interop: the namespace's `default` is `module.exports`, whose `default` is the class. */
const classOf = <T>(ns: { default: unknown }): Ctor<T> => (ns.default as { default: Ctor<T> }).default;

export interface SdkCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export type SignatureAlgorithm = 'ACS3-HMAC-SHA256' | 'v2';

export function sdkConfig(
  endpoint: string,
  creds: SdkCredentials,
  algorithm: SignatureAlgorithm = 'ACS3-HMAC-SHA256',
  regionId = 'cn-hangzhou',
) {
  return new Core.$OpenApiUtil.Config({
    ...creds,
    endpoint,
    protocol: 'http',
    regionId,
    ...(algorithm === 'v2' ? { signatureAlgorithm: 'v2' } : {}),
    readTimeout: 10_000,
    connectTimeout: 5_000,
  });
}

export interface Clients {
  ecs: EcsNs.default;
  vpc: VpcNs.default;
  ram: RamNs.default;
  sts: StsNs.default;
}

export function sdkClients(
  endpoint: string,
  creds: SdkCredentials,
  algorithm: SignatureAlgorithm = 'ACS3-HMAC-SHA256',
): Clients {
  const config = () => sdkConfig(endpoint, creds, algorithm);
  return {
    ecs: new (classOf<EcsNs.default>(EcsNs))(config()),
    vpc: new (classOf<VpcNs.default>(VpcNs))(config()),
    ram: new (classOf<RamNs.default>(RamNs))(config()),
    sts: new (classOf<StsNs.default>(StsNs))(config()),
  };
}

/** The error an SDK call rejects with, for assertions. */
export async function sdkError(
  promise: Promise<unknown>,
): Promise<{ code: string; statusCode: number; message: string; data: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { code?: string; statusCode?: number; message?: string; data?: Record<string, unknown> };
    return {
      code: String(e.code),
      statusCode: Number(e.statusCode),
      message: String(e.message),
      data: e.data ?? {},
    };
  }
  throw new Error('expected the call to fail');
}
