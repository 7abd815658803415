/**
 * The test stage, between the image and its distribution: an instance of the new image runs the
 * checks (and gives its package list for the SBOM); a failing check stops the build before anything
 * is copied or shared. The instance goes when the pipeline ends, however it ends.
 */
import type { TestingContext } from './context.ts';
import type { Step } from './run.ts';
import { runChecks } from './steps/run-checks.ts';
import { removeTestInstance, startTestInstance } from './steps/test-instance.ts';
import { testVerdict } from './steps/test-verdict.ts';

export const TEST_STAGE: readonly Step<TestingContext>[] = [
  startTestInstance,
  runChecks,
  removeTestInstance,
  testVerdict,
];
