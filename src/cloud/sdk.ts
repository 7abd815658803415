/**
 * Where the Alibaba Cloud SDK code comes from. Nothing here is imported before the first call.
 *
 * - `bundle`: dist/sdk.cjs, built by `npm run build` (scripts/build-sdk.ts) from the installed SDK
 *   packages: the SDK's own methods and models of the actions sindri calls (actions.ts) and the SDK core
 *   under them, in one file. It loads in a fraction of the time of the packages (bench/sdk-load.ts).
 * - `packages`: the SDK packages themselves (@alicloud/ecs20140526 ...), for any other action, and
 *   for a source checkout that has not been built.
 *
 * `SINDRI_SDK=packages` forces the packages (to compare the two; nothing else differs).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { noteCodeCacheUse, requireWithCodeCache } from '../util/code-cache.ts';
import { packageRoot } from '../util/paths.ts';
import { SDK_PACKAGES } from './actions.ts';
import type { Product } from './endpoints.ts';
import { attachHttpLayer } from './transport.ts';

export type SdkSource = 'bundle' | 'packages';

export interface LoadedSdk {
  /** The product SDK's exports (CommonJS `module.exports`): the request models by name. */
  exports: Record<string, unknown>;
  Client: new (config: unknown) => Record<string, unknown>;
  /** `$OpenApiUtil.Config` of the SDK core that client extends. */
  Config: new (
    m: object,
  ) => object;
  source: SdkSource;
}

interface Bundle {
  actions: Record<Product, readonly string[]>;
  versions: Record<string, string>;
  core: () => { $OpenApiUtil: { Config: new (m: object) => object } };
  httpx: () => { request: unknown };
  products: Record<Product, () => Record<string, unknown>>;
}

export const BUNDLE_PATH = join(packageRoot, 'dist', 'sdk.cjs');
const require = createRequire(import.meta.url);
let bundle: Bundle | null | undefined;
let bundledActions: Record<string, Set<string>> | undefined;
let packagesAttached = false;

let built: boolean | undefined;
const bundleBuilt = () => {
  built ??= existsSync(BUNDLE_PATH);
  return built;
};

function loadBundle(): Bundle | null {
  if (bundle === undefined) {
    bundle = bundleBuilt() ? ((requireWithCodeCache(BUNDLE_PATH) ?? require(BUNDLE_PATH)) as Bundle) : null;
    if (bundle) {
      attachHttpLayer(bundle.httpx() as never);
      bundledActions = Object.fromEntries(
        Object.entries(bundle.actions).map(([p, actions]) => [p, new Set(actions)]),
      );
    }
  }
  return bundle;
}

/** Where calls of `action` (or, without one, the product's client as such) are served from. */
export function sdkSourceFor(
  product: Product,
  action: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): SdkSource {
  if (env.SINDRI_SDK === 'packages') return 'packages';
  if (!bundleBuilt()) return 'packages';
  if (action === undefined) return 'bundle';
  loadBundle();
  return bundledActions?.[product]?.has(action) ? 'bundle' : 'packages';
}

/** Imports one product's SDK from `source`. */
export async function loadSdk(product: Product, source: SdkSource): Promise<LoadedSdk> {
  if (source === 'bundle') {
    const b = loadBundle();
    if (!b) throw new Error(`sindri: ${BUNDLE_PATH} is missing; run npm run build`);
    const exports = b.products[product]();
    // The product's code is part of the bundle's code cache from now on (src/util/code-cache.ts).
    noteCodeCacheUse(BUNDLE_PATH, product);
    return {
      exports,
      Client: exports.default as LoadedSdk['Client'],
      Config: b.core().$OpenApiUtil.Config,
      source,
    };
  }
  let mod: { default: Record<string, unknown> };
  switch (product) {
    case 'ecs':
      mod = (await import('@alicloud/ecs20140526')) as unknown as typeof mod;
      break;
    case 'vpc':
      mod = (await import('@alicloud/vpc20160428')) as unknown as typeof mod;
      break;
    case 'ram':
      mod = (await import('@alicloud/ram20150501')) as unknown as typeof mod;
      break;
    case 'sts':
      mod = (await import('@alicloud/sts20150401')) as unknown as typeof mod;
      break;
  }
  const core = (await import('@alicloud/openapi-core')).default as unknown as {
    $OpenApiUtil: { Config: new (m: object) => object };
  };
  if (!packagesAttached) {
    // The HTTP layer of the packages: httpx as the SDK core's @darabonba/typescript resolves it.
    const from = (id: string, base: string) => createRequire(base).resolve(id);
    const core = from('@alicloud/openapi-core', require.resolve(SDK_PACKAGES[product]));
    attachHttpLayer(createRequire(from('@darabonba/typescript', core))('httpx'));
    packagesAttached = true;
  }
  const exports = mod.default;
  return {
    exports,
    Client: exports.default as LoadedSdk['Client'],
    Config: core.$OpenApiUtil.Config,
    source,
  };
}
