/**
 * The layers of src/ (docs/architecture.md), checked by `npm run lint`:
 * commands and cli → use cases (pipeline, lifecycle, doctor, transfer, ci, registry) → the image model and
 * its inputs (images, config, render, packer, notify) → cloud adapters (cloud). No cycles anywhere.
 */
const USE_CASES = '(pipeline|lifecycle|doctor|transfer|ci|registry)';
const MODEL = '(images|config|render|packer|notify|util)';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'cli-is-the-top',
      comment: 'Only commands and the CLI layer use src/cli and src/commands.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(cli|commands)/' },
      to: { path: '^src/(cli|commands)/' },
    },
    {
      name: 'use-cases-stand-apart',
      comment: 'A use case does not reach into another (a type shared for reporting is fine).',
      severity: 'error',
      from: { path: `^src/${USE_CASES}/` },
      to: { path: `^src/${USE_CASES}/`, pathNot: '^src/$1/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'model-below-use-cases',
      severity: 'error',
      from: { path: `^src/${MODEL}/` },
      to: { path: `^src/${USE_CASES}/` },
    },
    {
      name: 'cloud-is-the-bottom',
      comment: 'The cloud adapters know nothing of sindri above them but its error root.',
      severity: 'error',
      from: { path: '^src/cloud/' },
      to: { path: '^src/', pathNot: ['^src/cloud/', '^src/errors\\.ts$', '^src/util/'] },
    },
    {
      name: 'steps-stand-alone',
      comment: 'A pipeline step imports the record, the context and lower layers, never another step.',
      severity: 'error',
      from: { path: '^src/pipeline/steps/' },
      to: { path: '^src/pipeline/steps/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
