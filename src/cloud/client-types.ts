/** The typed surface of the SDK clients: each product's actions, their requests and responses. */
import type * as EcsSdk from '@alicloud/ecs20140526';
import type * as RamSdk from '@alicloud/ram20150501';
import type * as StsSdk from '@alicloud/sts20150401';
import type * as VpcSdk from '@alicloud/vpc20160428';
import type { Product } from './endpoints.ts';

/** The SDK client class of each product (types only; the SDKs are imported on first use). */
export interface SdkClients {
  ecs: EcsSdk.default;
  vpc: VpcSdk.default;
  ram: RamSdk.default;
  sts: StsSdk.default;
}

type MethodName<A extends string> = `${Uncapitalize<A>}WithOptions`;

/** Every API action of a product, e.g. `'DescribeImages'` for `'ecs'`. */
export type ActionOf<P extends Product> = {
  [K in keyof SdkClients[P]]: K extends `${infer N}WithOptions` ? Capitalize<N> : never;
}[keyof SdkClients[P]] &
  string;

type MethodOf<P extends Product, A extends string> = SdkClients[P][MethodName<A> & keyof SdkClients[P]];

/** The data fields of an SDK model (methods and the models' `[key: string]: any` removed), all optional. */
type Fields<T> = {
  [K in keyof T as string extends K
    ? never
    : number extends K
      ? never
      : T[K] extends (...args: never[]) => unknown
        ? never
        : K]?: T[K];
};

/** The request of an action: the SDK request model's fields, camelCase (`regionId`, `imageName`). */
export type RequestOf<P extends Product, A extends string> =
  MethodOf<P, A> extends (...args: infer Args) => unknown
    ? Args extends [infer R, unknown]
      ? Fields<R>
      : // Actions without parameters (STS GetCallerIdentity) take only runtime options.
        Record<string, never>
    : never;

/** The response body of an action: the SDK's response body model. */
export type ResponseOf<P extends Product, A extends string> =
  MethodOf<P, A> extends (...args: infer _) => Promise<infer R>
    ? NonNullable<R extends { body?: infer B } ? B : never>
    : never;
