/**
 * The Alibaba Cloud client layer. Importing this module loads no SDK: each product's SDK is
 * imported the first time it is called.
 */
export {
  type ActionOf,
  type CallOptions,
  type CallRetryEvent,
  type CloudClients,
  type CreateClientsOptions,
  createClients,
  newClientToken,
  type RequestOf,
  type ResponseOf,
} from './clients.ts';
export { type Clock, FakeClock, realClock } from './clock.ts';
export {
  CREDENTIAL_SOURCES,
  packerEnv,
  type ResolvedCredentials,
  type ResolveOptions,
  resolveCredentials,
} from './credentials.ts';
export { type Endpoint, type EndpointOverrides, endpointUrl, PRODUCTS, type Product } from './endpoints.ts';
export {
  CloudError,
  describeCloudError,
  ERROR_HINTS,
  type ErrorHint,
  hintFor,
  toCloudError,
} from './errors.ts';
export { credentialSecrets, maskKeyId, redact } from './redact.ts';
export { backoff, classify, DEFAULT_RETRY_POLICY, type RetryPolicy, withRetry } from './retry.ts';
export { type WaitOptions, type WaitProgress, waitFor } from './waiter.ts';
