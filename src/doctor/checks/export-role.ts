import { toCloudError } from '../../cloud/index.ts';
import { DEFAULT_EXPORT_ROLE } from '../../images/images.ts';
import { describeCheckError, isForbidden, sessionOrSkip } from '../errors.ts';
import type { Check } from '../types.ts';

/**
 * The RAM role ECS uses to write exports into OSS (`sindri packer export`). Builds do not need it,
 * so a missing role is a warning.
 */
export const exportRole: Check = {
  id: 'export-role',
  title: 'export role',
  needs: 'none',
  async run(ctx) {
    const { clients } = await sessionOrSkip(ctx);
    try {
      const body = await clients.call('ram', 'GetRole', { roleName: DEFAULT_EXPORT_ROLE });
      return { status: 'pass', detail: `${DEFAULT_EXPORT_ROLE} exists (${body.role?.arn ?? 'no ARN'})` };
    } catch (err) {
      const e = toCloudError(err);
      if (e.code === 'EntityNotExist.Role') {
        return {
          status: 'warn',
          detail: `${DEFAULT_EXPORT_ROLE} does not exist: \`sindri packer export\` will fail (builds do not need it)`,
          fix: 'authorize ECS to export images once in the ECS console (Images > Export), or create the role with a trust policy for ecs.aliyuncs.com and AliyunECSImageExportRolePolicy',
        };
      }
      if (isForbidden(e)) {
        return {
          status: 'warn',
          detail: `could not look the role up (${e.code})`,
          fix: 'allow ram:GetRole to let doctor check it',
        };
      }
      return { status: 'fail', ...describeCheckError(err) };
    }
  },
};
