/**
 * Fields a response must have. The SDK models declare every response field optional, so a missing
 * one would otherwise pass as an empty string, a zero or an empty list: an answer without the field
 * sindri acts on is an error (`InvalidResponse`), never success.
 */
import { CloudError } from './errors.ts';

export interface ResponseSite {
  product: string;
  action: string;
  requestId?: string | undefined;
}

export function incompleteResponse(site: ResponseSite, what: string): CloudError {
  return new CloudError({
    code: 'InvalidResponse',
    message: `${site.product.toUpperCase()} ${site.action} answered without ${what}.`,
    product: site.product,
    action: site.action,
    ...(site.requestId ? { requestId: site.requestId } : {}),
  });
}

/** The value of a field the API documents as always present; absent or empty is InvalidResponse. */
export function required<T>(value: T | undefined | null, site: ResponseSite, field: string): T {
  if (value === undefined || value === null || value === '') throw incompleteResponse(site, field);
  return value;
}
