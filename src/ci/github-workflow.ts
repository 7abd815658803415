import { Document } from 'yaml';

/**
 * The GitHub Actions workflow `sindri packer ci github` writes. Built as data and serialised with
 * the `yaml` library (never a text template), so `${{ … }}` expressions survive untouched.
 *
 * - pull requests touching the configuration or its scripts: `sindri packer validate`, then
 *   `sindri packer doctor` when the pull request comes from this repository (forks get no
 *   credentials);
 * - pushes to the default branch, tags and manual runs: `sindri packer build`, one build per image
 *   name at a time, image IDs as job outputs;
 * - Alibaba Cloud access by OIDC role assumption (no stored keys), or access-key secrets;
 * - with a schedule, scheduled runs ask `sindri packer outdated` first and build (under a dated name)
 *   only when a build would make a new image;
 * - over several configuration files (a fleet), both jobs are matrices, one image per file, in
 *   parallel, each image in its own concurrency group.
 */

export type AuthMode = 'oidc' | 'secrets';

export interface WorkflowOptions {
  /** The configuration file, relative to the repository root, with forward slashes. */
  configFile: string;
  imageName: string;
  /** The build region from the configuration. */
  region: string;
  /** Every region the image ends up in (build region and copies), for the per-region job outputs. */
  regions: string[];
  /** Files besides the configuration whose change should trigger the workflow (scripts, uploads). */
  watchPaths: string[];
  /** Where the workflow file itself lives, so that editing it re-runs validation. */
  workflowFile: string;
  auth: AuthMode;
  nodeVersion: string;
  packerVersion: string;
  branch: string;
  tagPattern: string;
  /** The sindri version that generated the file, for the header. */
  sindriVersion: string;
  /** The test stage's reports the build writes and the job keeps (tests.enabled, tests.sbom). */
  reports?: { junit: boolean; sbom: boolean };
  /** A cron schedule: scheduled runs rebuild only what `sindri packer outdated` says to. */
  schedule?: string | undefined;
  /** Several configuration files: one matrix entry each (the fields above describe the first). */
  fleet?: readonly FleetImage[] | undefined;
}

/** One image of a fleet: its configuration file and image name. */
export interface FleetImage {
  configFile: string;
  imageName: string;
}

/**
 * What a job works on: one configuration (its file, as a shell word, and its image name), or a
 * fleet's matrix entry (the file in $SINDRI_CONFIG, the name as an expression).
 */
interface Target {
  config: string;
  image: string;
  /** Job-level settings of a matrix job. */
  matrix?: Record<string, unknown>;
}

function targetOf(o: WorkflowOptions): Target {
  if (!o.fleet || o.fleet.length < 2) return { config: shellQuote(o.configFile), image: o.imageName };
  return {
    config: '"$SINDRI_CONFIG"',
    image: expr('matrix.image'),
    matrix: {
      strategy: {
        'fail-fast': false,
        matrix: { include: o.fleet.map((f) => ({ config: f.configFile, image: f.imageName })) },
      },
      env: { SINDRI_CONFIG: expr('matrix.config') },
    },
  };
}

/** Pinned versions of the actions the workflow uses. */
export const ACTIONS = {
  checkout: 'actions/checkout@v4',
  setupNode: 'actions/setup-node@v4',
  setupPacker: 'hashicorp/setup-packer@v3.1.0',
  uploadArtifact: 'actions/upload-artifact@v4',
} as const;

/** The audience GitHub puts into the OIDC token; the RAM OIDC provider's client ID must match it. */
export const OIDC_AUDIENCE = 'sts.aliyuncs.com';

/** Repository variables (OIDC) and secrets (fallback) the workflow reads; documented in docs/github-actions.md. */
export const OIDC_VARIABLES = ['ALIBABA_CLOUD_ROLE_ARN', 'ALIBABA_CLOUD_OIDC_PROVIDER_ARN'] as const;
export const KEY_SECRETS = ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'] as const;

/** A GitHub Actions expression, `${{ … }}`, evaluated by the runner (never by sindri). */
export function expr(expression: string): string {
  return `\${{ ${expression} }}`;
}

const TOKEN_FILE = `${expr('runner.temp')}/alibaba-cloud-oidc-token`;
const SAME_REPOSITORY = 'github.event.pull_request.head.repo.full_name == github.repository';

/** Quotes a word for bash when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Packer 1.7 and later need `packer init` for the alicloud plugin; 1.6 has the builder built in. */
export function needsPackerInit(packerVersion: string): boolean {
  if (!/^\d+(\.\d+)*$/.test(packerVersion)) return true; // "latest" and the like
  const [major = 0, minor = 0] = packerVersion.split('.').map((n) => Number.parseInt(n, 10));
  return major > 1 || (major === 1 && minor >= 7);
}

type Step = Record<string, unknown>;

function setupSteps(o: WorkflowOptions, config: string): Step[] {
  const steps: Step[] = [
    { name: 'Check out', uses: ACTIONS.checkout, with: { 'persist-credentials': false } },
    {
      name: 'Set up Node.js',
      uses: ACTIONS.setupNode,
      with: { 'node-version': o.nodeVersion, cache: 'npm' },
    },
    { name: 'Install sindri (package-lock.json)', run: 'npm ci' },
    {
      name: 'Set up Packer',
      uses: ACTIONS.setupPacker,
      with: { version: o.packerVersion },
    },
  ];
  if (needsPackerInit(o.packerVersion)) {
    steps.push({
      name: 'Install the Packer plugins (packer init)',
      run: [
        `npx sindri packer template --config ${config} --out "$RUNNER_TEMP/sindri-template"`,
        'packer init "$RUNNER_TEMP/sindri-template"',
      ].join('\n'),
    });
  }
  return steps;
}

/** Environment of the steps that talk to Alibaba Cloud. Values are expressions; nothing secret is written here. */
function cloudEnv(o: WorkflowOptions): Record<string, string> {
  if (o.auth === 'secrets') {
    return Object.fromEntries(KEY_SECRETS.map((name) => [name, expr(`secrets.${name}`)]));
  }
  return {
    ...Object.fromEntries(OIDC_VARIABLES.map((name) => [name, expr(`vars.${name}`)])),
    ALIBABA_CLOUD_OIDC_TOKEN_FILE: TOKEN_FILE,
    ALIBABA_CLOUD_ROLE_SESSION_NAME: `sindri-${expr('github.run_id')}-${expr('github.run_attempt')}`,
  };
}

/** OIDC: fetch GitHub's ID token for the Alibaba Cloud audience into a private file that sindri exchanges with STS. */
function oidcTokenStep(o: WorkflowOptions, condition?: string): Step[] {
  if (o.auth !== 'oidc') return [];
  return [
    {
      name: 'Request an OIDC token for Alibaba Cloud',
      ...(condition ? { if: condition } : {}),
      env: { ...cloudEnv(o), OIDC_AUDIENCE },
      run: [
        'if [ -z "$ALIBABA_CLOUD_ROLE_ARN" ] || [ -z "$ALIBABA_CLOUD_OIDC_PROVIDER_ARN" ]; then',
        '  echo "::error title=sindri::set the repository variables ALIBABA_CLOUD_ROLE_ARN and ALIBABA_CLOUD_OIDC_PROVIDER_ARN (see docs/github-actions.md)"',
        '  exit 1',
        'fi',
        'umask 077',
        'curl -fsS --retry 3 -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \\',
        '  "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=$OIDC_AUDIENCE" | jq -er .value > "$ALIBABA_CLOUD_OIDC_TOKEN_FILE"',
      ].join('\n'),
    },
  ];
}

function validateJob(o: WorkflowOptions, t: Target): Record<string, unknown> {
  const config = t.config;
  return {
    name: t.matrix ? `Validate and check ${t.image}` : 'Validate and check',
    if: "github.event_name == 'pull_request'",
    'runs-on': 'ubuntu-latest',
    'timeout-minutes': 20,
    permissions: { contents: 'read', ...(o.auth === 'oidc' ? { 'id-token': 'write' } : {}) },
    ...t.matrix,
    concurrency: {
      group: `sindri-validate-${t.image}-${expr('github.ref')}`,
      'cancel-in-progress': true,
    },
    steps: [
      ...setupSteps(o, config),
      {
        name: 'Validate the configuration and template',
        run: `npx sindri packer validate --config ${config}`,
      },
      ...oidcTokenStep(o, SAME_REPOSITORY),
      {
        name: 'Check credentials, network, quotas and permissions',
        // Pull requests from forks get neither secrets nor an OIDC token.
        if: SAME_REPOSITORY,
        env: cloudEnv(o),
        // --force: an image of this name from an earlier build is expected here, not a failure.
        run: `npx sindri packer doctor --config ${config} --force`,
      },
    ],
  };
}

const OUTDATED_FILE = '$RUNNER_TEMP/sindri-outdated.json';

/**
 * A scheduled run asks `sindri packer outdated` (exit 10: outdated) whether a build would make a new
 * image; it says what to do when one would not (a pinned source_image with a newer version).
 */
function outdatedStep(o: WorkflowOptions, config: string): Step[] {
  if (!o.schedule) return [];
  return [
    {
      name: 'Is the image outdated?',
      id: 'outdated',
      if: "github.event_name == 'schedule'",
      env: cloudEnv(o),
      run: [
        'status=0',
        `npx sindri packer outdated --config ${config} --json > "${OUTDATED_FILE}" || status=$?`,
        'if [ "$status" -ne 0 ] && [ "$status" -ne 10 ]; then jq -r .error.message "' +
          OUTDATED_FILE +
          '"; exit "$status"; fi',
        `echo "rebuild=$(jq -r '.result.rebuild' "${OUTDATED_FILE}")" >> "$GITHUB_OUTPUT"`,
        // A rebuild takes a new name (image names are unique per region): the configured one and the time.
        `echo "name=$(jq -r '.result.name' "${OUTDATED_FILE}")-$(date -u +%Y%m%d-%H%M%S)" >> "$GITHUB_OUTPUT"`,
        `jq -r '"::notice title=sindri packer outdated::" + (.error.actions // [])[]' "${OUTDATED_FILE}"`,
      ].join('\n'),
    },
  ];
}

function buildJob(o: WorkflowOptions, t: Target): Record<string, unknown> {
  const config = t.config;
  const outputs: Record<string, string> = {
    'image-id': expr('steps.build.outputs.image-id'),
    images: expr('steps.build.outputs.images'),
    'build-id': expr('steps.build.outputs.build-id'),
    cached: expr('steps.build.outputs.cached'),
  };
  for (const region of o.regions)
    outputs[`image-id-${region}`] = expr(`steps.build.outputs.image-id-${region}`);
  return {
    name: t.matrix ? `Build ${t.image}` : 'Build the image',
    if: "github.event_name != 'pull_request'",
    'runs-on': 'ubuntu-latest',
    'timeout-minutes': 180,
    permissions: { contents: 'read', ...(o.auth === 'oidc' ? { 'id-token': 'write' } : {}) },
    ...t.matrix,
    // One build per image name at a time; a running build is never cancelled (packer must clean up).
    concurrency: { group: `sindri-build-${t.image}`, 'cancel-in-progress': false },
    // A matrix job's outputs would be whichever entry finished last: each entry keeps its artifact.
    ...(t.matrix ? {} : { outputs }),
    steps: [
      ...setupSteps(o, config),
      ...oidcTokenStep(o),
      ...outdatedStep(o, config),
      {
        name: 'Build, copy and share the image',
        id: 'build',
        ...(o.schedule
          ? { if: "github.event_name != 'schedule' || steps.outdated.outputs.rebuild == 'true'" }
          : {}),
        env: {
          ...cloudEnv(o),
          // Inputs reach the script as variables, never spliced into it.
          SINDRI_REGION: expr('inputs.region'),
          SINDRI_FORCE: expr('inputs.force'),
          SINDRI_ON_ERROR: expr('inputs.on-error'),
          ...(o.schedule ? { SINDRI_NAME: expr('steps.outdated.outputs.name') } : {}),
        },
        run: [
          `args=(--config ${config} --on-error "\${SINDRI_ON_ERROR:-cleanup}" --json)`,
          'if [ -n "$SINDRI_REGION" ]; then args+=(--region "$SINDRI_REGION"); fi',
          'if [ "$SINDRI_FORCE" = "true" ]; then args+=(--force); fi',
          ...(o.schedule ? ['if [ -n "$SINDRI_NAME" ]; then args+=(--name "$SINDRI_NAME"); fi'] : []),
          ...(o.reports?.junit ? ['args+=(--junit "$RUNNER_TEMP/sindri-junit.xml")'] : []),
          ...(o.reports?.sbom ? ['args+=(--sbom "$RUNNER_TEMP/sindri-sbom.cdx.json")'] : []),
          `npx sindri packer build "\${args[@]}" > "$RUNNER_TEMP/sindri-build.json"`,
        ].join('\n'),
      },
      {
        // A cancelled or failed job may leave what packer had not yet deleted (the runner can be
        // stopped before packer's clean-up ends): the build's own record finds it.
        name: 'Delete what a failed or cancelled build left behind',
        if: 'failure() || cancelled()',
        env: { ...cloudEnv(o), SINDRI_REGION: expr('inputs.region') },
        run: [
          `args=(--config ${config} --yes)`,
          'if [ -n "$SINDRI_REGION" ]; then args+=(--region "$SINDRI_REGION"); fi',
          `npx sindri packer sweep "\${args[@]}"`,
        ].join('\n'),
      },
      {
        name: 'Keep the build result',
        if: 'always()',
        uses: ACTIONS.uploadArtifact,
        with: {
          name: `sindri-build-${t.matrix ? t.image : o.imageName.replace(/[^A-Za-z0-9._-]/g, '-')}`,
          path: [
            'sindri-build.json',
            ...(o.schedule ? ['sindri-outdated.json'] : []),
            ...(o.reports?.junit ? ['sindri-junit.xml'] : []),
            ...(o.reports?.sbom ? ['sindri-sbom.cdx.json'] : []),
          ]
            .map((f) => `${expr('runner.temp')}/${f}`)
            .join('\n'),
          'if-no-files-found': 'ignore',
        },
      },
    ],
  };
}

/** The workflow as plain data. */
export function workflowObject(o: WorkflowOptions): Record<string, unknown> {
  const fleet = o.fleet ?? [];
  if (
    `${o.configFile}${o.imageName}${o.watchPaths.join('')}${o.schedule ?? ''}${fleet.map((f) => f.configFile + f.imageName).join('')}`.includes(
      '${{',
    )
  ) {
    throw new Error('paths and names must not contain "${{"');
  }
  const t = targetOf(o);
  const files = fleet.length > 1 ? fleet.map((f) => f.configFile) : [o.configFile];
  const paths = [...new Set([...files, ...o.watchPaths, 'package-lock.json', o.workflowFile])];
  return {
    name: fleet.length > 1 ? `sindri images (${fleet.length})` : `sindri image ${o.imageName}`,
    on: {
      pull_request: { paths },
      push: { branches: [o.branch], tags: [o.tagPattern], paths },
      ...(o.schedule ? { schedule: [{ cron: o.schedule }] } : {}),
      workflow_dispatch: {
        inputs: {
          region: {
            description: `Build region (empty: ${o.region} from ${o.configFile})`,
            type: 'string',
            required: false,
            default: '',
          },
          force: {
            description:
              'Rebuild even when an image of this configuration exists, replacing an image of the same name',
            type: 'boolean',
            required: false,
            default: false,
          },
          'on-error': {
            description:
              'When packer fails: cleanup (delete what it created) or abort (keep it for debugging)',
            type: 'choice',
            options: ['cleanup', 'abort'],
            default: 'cleanup',
          },
        },
      },
    },
    permissions: { contents: 'read' },
    defaults: { run: { shell: 'bash' } },
    env: { CHECKPOINT_DISABLE: '1', FORCE_COLOR: '0' },
    jobs: {
      validate: validateJob(o, t),
      build: buildJob(o, t),
    },
  };
}

/** The workflow file's text. */
export function renderWorkflow(o: WorkflowOptions): string {
  // No anchors and aliases: GitHub only recently accepted them and linters still refuse them.
  const doc = new Document(workflowObject(o), { aliasDuplicateObjects: false });
  doc.commentBefore = [
    ` Generated by sindri ${o.sindriVersion}: sindri packer ci github ${(o.fleet && o.fleet.length > 1 ? o.fleet.map((f) => f.configFile) : [o.configFile]).map((f) => `--config ${shellQuote(f)}`).join(' ')} --auth ${o.auth}${o.schedule ? ` --schedule ${shellQuote(o.schedule)}` : ''}`,
    ' Regenerate rather than edit. Set-up (OIDC role or secrets): docs/github-actions.md',
    o.auth === 'oidc'
      ? ` Needs the repository variables ${OIDC_VARIABLES.join(' and ')}.`
      : ` Needs the repository secrets ${KEY_SECRETS.join(' and ')}.`,
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}
