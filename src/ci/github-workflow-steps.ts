/**
 * The pieces every job of the GitHub Actions workflow shares: the options it is generated from,
 * the pinned actions, expressions and shell quoting, the set-up steps, and the Alibaba Cloud
 * credentials (OIDC or access-key secrets).
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
export const SAME_REPOSITORY = 'github.event.pull_request.head.repo.full_name == github.repository';

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
export type Step = Record<string, unknown>;

export function setupSteps(o: WorkflowOptions, config: string): Step[] {
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
export function cloudEnv(o: WorkflowOptions): Record<string, string> {
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
export function oidcTokenStep(o: WorkflowOptions, condition?: string): Step[] {
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
