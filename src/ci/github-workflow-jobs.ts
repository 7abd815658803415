/** The workflow's two jobs: validation of pull requests, and the build (with a schedule's outdated check). */
import {
  ACTIONS,
  cloudEnv,
  expr,
  oidcTokenStep,
  SAME_REPOSITORY,
  type Step,
  setupSteps,
  type WorkflowOptions,
} from './github-workflow-steps.ts';

/**
 * What a job works on: one configuration (its file, as a shell word, and its image name), or a
 * fleet's matrix entry (the file in $SINDRI_CONFIG, the name as an expression).
 */
export interface Target {
  config: string;
  image: string;
  /** Job-level settings of a matrix job. */
  matrix?: Record<string, unknown>;
}

export function validateJob(o: WorkflowOptions, t: Target): Record<string, unknown> {
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

export function buildJob(o: WorkflowOptions, t: Target): Record<string, unknown> {
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
