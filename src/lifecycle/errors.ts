import { SindriError } from '../cli/errors.ts';
import { CloudError } from '../cloud/index.ts';

/**
 * Shows a CloudError as a SindriError (code, meaning, request ID, fix) until
 * src/cli/report-error.ts handles CloudError itself; other errors pass through.
 */
export function asUserError(err: unknown): unknown {
  if (!(err instanceof CloudError)) return err;
  const where = [err.product?.toUpperCase(), err.action].filter(Boolean).join(' ');
  const head = where ? `${where} failed` : 'Alibaba Cloud call failed';
  const lines = [err.hint ? `${head}: ${err.hint.meaning}` : `${head}: ${err.code}: ${err.message}`];
  if (err.hint) lines.push(`  code: ${err.code} (${err.message})`);
  if (err.requestId) lines.push(`  request ID: ${err.requestId}`);
  if (err.attempts > 1) lines.push(`  attempts: ${err.attempts}`);
  return new SindriError(lines.join('\n'), {
    code: err.code,
    ...(err.hint ? { hint: err.hint.fix } : err.recommend ? { hint: `see ${err.recommend}` } : {}),
  });
}

/** Runs a command body and turns cloud failures into user errors. */
export async function reportingCloudErrors<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw asUserError(err);
  }
}
