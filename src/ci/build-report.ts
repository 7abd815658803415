import { redact } from '../cloud/redact.ts';
import type { BuildResult } from '../pipeline/build.ts';
import { writeOutputs, writeStepSummary } from './github-files.ts';
import { formatAnnotation } from './workflow-commands.ts';

/** The part of a build result the report uses (a partial result of a failed distribution has the same shape). */
export type ReportedBuild = Pick<
  BuildResult,
  | 'buildId'
  | 'name'
  | 'region'
  | 'imageId'
  | 'images'
  | 'configHash'
  | 'cached'
  | 'durationSeconds'
  | 'phases'
> &
  Partial<Pick<BuildResult, 'regions' | 'test'>>;

/** Variables whose values are credentials; their values never reach the summary or the outputs. */
const SECRET_VARIABLES = [
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
  'ALICLOUD_ACCESS_KEY',
  'ALICLOUD_SECRET_KEY',
  'ALICLOUD_SECURITY_TOKEN',
  'SECURITY_TOKEN',
  'ALIYUN_ACCESS_KEY_ID',
  'ALIYUN_ACCESS_KEY_SECRET',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_RUNTIME_TOKEN',
  'GITHUB_TOKEN',
];

function secretsOf(env: NodeJS.ProcessEnv): string[] {
  return SECRET_VARIABLES.map((name) => env[name]).filter((v): v is string => !!v);
}

/** A Markdown table cell: one line, pipes escaped. */
function cell(value: string): string {
  return value.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').trim();
}

function seconds(value: number): string {
  return value >= 60 ? `${Math.floor(value / 60)}m ${Math.round(value % 60)}s` : `${value}s`;
}

/** Region → image ID and state, the build region first, then the copies in the order the build saw them. */
function regionRows(result: ReportedBuild): Array<{ region: string; imageId: string; state: string }> {
  const rows = [
    { region: result.region, imageId: result.imageId, state: result.cached ? 'cached' : 'built' },
  ];
  const seen = new Set([result.region]);
  for (const [region, entry] of Object.entries(result.regions ?? {})) {
    if (seen.has(region)) continue;
    seen.add(region);
    const imageId = entry.imageId ?? result.images[region] ?? '';
    rows.push({ region, imageId, state: entry.error ? `${entry.state}: ${entry.error}` : entry.state });
  }
  for (const [region, imageId] of Object.entries(result.images)) {
    if (!seen.has(region)) rows.push({ region, imageId, state: 'available' });
  }
  return rows;
}

/** The Markdown summary of one build: image IDs per region, cache hit, phase durations. */
export function buildSummary(result: ReportedBuild, failure?: string): string {
  const lines: string[] = [];
  const icon = failure ? '⚠️' : '✅';
  lines.push(`### ${icon} sindri image \`${cell(result.name)}\``, '');
  if (failure) lines.push(`> **The build finished with errors:** ${cell(failure)}`, '');
  lines.push('| Region | Image ID | State |', '| --- | --- | --- |');
  for (const row of regionRows(result)) {
    lines.push(
      `| ${cell(row.region)} | ${row.imageId ? `\`${cell(row.imageId)}\`` : '—'} | ${cell(row.state)} |`,
    );
  }
  lines.push('');
  lines.push(
    `**Cache hit:** ${result.cached ? 'yes (an image of this configuration already existed; nothing was built)' : 'no'}  `,
  );
  lines.push(`**Build ID:** \`${cell(result.buildId)}\`  `);
  lines.push(`**Config hash:** \`${cell(result.configHash.slice(0, 12))}\`  `);
  lines.push(`**Duration:** ${seconds(result.durationSeconds)}`, '');
  if (result.test) {
    const failed = result.test.checks.filter((c) => !c.passed).length;
    lines.push(
      `**Tests:** ${result.test.checks.length - failed} of ${result.test.checks.length} check(s) passed on an instance of the image${result.test.sbom ? `; SBOM of ${result.test.sbom.packages} packages (\`${cell(result.test.sbom.digest.slice(0, 19))}…\`)` : ''}`,
      '',
      '| Check | Source | Result |',
      '| --- | --- | --- |',
    );
    for (const c of result.test.checks)
      lines.push(`| ${cell(c.name)} | ${cell(c.source)} | ${c.passed ? '✓' : `✗ ${cell(c.reason ?? '')}`} |`);
    lines.push('');
  }
  if (result.phases.length > 0) {
    lines.push('| Phase | Duration |', '| --- | ---: |');
    for (const phase of result.phases) lines.push(`| ${cell(phase.name)} | ${seconds(phase.seconds)} |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The step outputs: `image-id` (the build region's), `images` (JSON region → ID), `image-ids`
 * (one `region=ID` per line), `image-id-<region>` for each region, `build-id`, `cached`, `config-hash`.
 */
export function buildOutputs(result: ReportedBuild): Record<string, string> {
  const outputs: Record<string, string> = {
    'image-id': result.imageId,
    images: JSON.stringify(result.images),
    'image-ids': Object.entries(result.images)
      .map(([region, id]) => `${region}=${id}`)
      .join('\n'),
    'build-id': result.buildId,
    cached: String(result.cached),
    'config-hash': result.configHash,
    region: result.region,
  };
  for (const [region, id] of Object.entries(result.images)) outputs[`image-id-${region}`] = id;
  return outputs;
}

/**
 * Called by `sindri packer build` inside GitHub Actions after a build that produced images (also a
 * partially failed distribution): appends the summary to `$GITHUB_STEP_SUMMARY` and the image IDs
 * to `$GITHUB_OUTPUT`. Credentials from the environment are scrubbed from both as a last guard.
 */
export async function writeBuildReport(
  result: ReportedBuild,
  env: NodeJS.ProcessEnv = process.env,
  error?: unknown,
): Promise<void> {
  const secrets = secretsOf(env);
  const failure = error === undefined ? undefined : error instanceof Error ? error.message : String(error);
  const summary = redact(buildSummary(result, failure), secrets);
  const outputs = Object.fromEntries(
    Object.entries(buildOutputs(result)).map(([name, value]) => [name, redact(value, secrets)]),
  );
  await writeStepSummary(env, summary);
  await writeOutputs(env, outputs);
}

function isReportedBuild(value: unknown): value is ReportedBuild {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.imageId === 'string' && typeof v.images === 'object' && v.images !== null;
}

/**
 * The build command's single entry point: `outcome` is the build result, or the error the build
 * threw. An error that carries a partial `result` (a distribution that reached only some regions)
 * is reported with its failure; any other error has no images to report and is left alone.
 * Never throws: a report that cannot be written becomes a `::warning` and the build's own outcome stands.
 */
export async function reportBuild(outcome: unknown, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let result: ReportedBuild | undefined;
  let error: unknown;
  if (isReportedBuild(outcome)) {
    result = outcome;
  } else if (outcome instanceof Error && 'result' in outcome && isReportedBuild(outcome.result)) {
    result = outcome.result;
    error = outcome;
  }
  if (!result) return;
  try {
    await writeBuildReport(result, env, error);
  } catch (err) {
    process.stderr.write(
      `${formatAnnotation('warning', `could not write the build summary or outputs: ${(err as Error).message}`, { title: 'sindri' })}\n`,
    );
  }
}
