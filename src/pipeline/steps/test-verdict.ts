/**
 * The test stage's verdict, on the image itself (sindri:test, and the SBOM's digest in sindri:sbom):
 * a failing check fails the build here, before anything is copied or shared.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SindriError } from '../../errors.ts';
import { junitXml, passedText } from '../../images/checks.ts';
import { SBOM_TAG, TEST_TAG } from '../../images/tags.ts';
import type { TestingContext } from '../context.ts';
import type { Step } from '../run.ts';

export const testVerdict: Step<TestingContext> = {
  name: 'test-verdict',
  skip: (ctx) => ctx.record.test?.passed === undefined && 'nothing was tested',
  async run(ctx) {
    const { record, testing } = ctx;
    const test = record.test as NonNullable<typeof record.test>;
    const results = test.results ?? [];
    if (testing.junitFile) {
      await mkdir(dirname(testing.junitFile), { recursive: true });
      await writeFile(testing.junitFile, junitXml(`sindri ${record.imageName}`, results));
    }
    await (await ctx.session.clients(record.region)).call('ecs', 'TagResources', {
      regionId: record.region,
      resourceType: 'image',
      resourceId: [record.imageId as string],
      tag: [
        { key: TEST_TAG, value: test.passed ? 'passed' : 'failed' },
        ...(test.sbom ? [{ key: SBOM_TAG, value: test.sbom.digest }] : []),
      ] as never,
    });
    const failed = results.filter((r) => !r.passed);
    if (failed.length === 0) {
      ctx.progress.detail(passedText(results.length));
      return;
    }
    throw new SindriError(
      `${failed.length} of ${results.length} check(s) failed on an instance of ${record.imageId}; nothing was copied or shared:\n${failed
        .map(
          (r) =>
            `  ✗ ${r.name}: ${r.reason}${r.stdout.trim() || r.stderr.trim() ? `\n      ${`${r.stdout}${r.stderr}`.trim().split('\n').slice(-5).join('\n      ')}` : ''}`,
        )
        .join('\n')}`,
      {
        code: 'TestsFailed',
        actions: [
          'fix the image (or the check) and build again; the image is tagged sindri:test=failed, and `sindri packer test` runs the checks on it again',
        ],
      },
    );
  },
};
