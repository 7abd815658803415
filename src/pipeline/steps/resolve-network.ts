/**
 * The builder only uses an existing VSwitch when it is also given its VPC (otherwise it creates a new
 * VPC and then cannot find the VSwitch in it), so the build looks the VPC up, as the guide's examples
 * name only the VSwitch. The VPC goes to packer as a variable: the configuration is not changed.
 */
import { SindriError } from '../../errors.ts';
import type { BuildContext } from '../context.ts';
import type { Step } from '../run.ts';

export const resolveNetwork: Step<BuildContext> = {
  name: 'resolve-network',
  skip: (ctx) => {
    const a = ctx.config.providers.packer.alibaba;
    return (
      (!a.vswitch_id || a.vpc_id !== undefined || ctx.record.vpcId !== undefined) && 'nothing to look up'
    );
  },
  async run(ctx) {
    const { region, vswitch_id } = ctx.config.providers.packer.alibaba;
    const body = await (await ctx.session.clients(region)).call('ecs', 'DescribeVSwitches', {
      regionId: region,
      vSwitchId: vswitch_id,
    } as never);
    const vpcId = (body as { vSwitches?: { vSwitch?: Array<{ vpcId?: string }> } }).vSwitches?.vSwitch?.[0]
      ?.vpcId;
    if (!vpcId) {
      throw new SindriError(`VSwitch ${vswitch_id} was not found in ${region}.`, {
        actions: ['check providers.packer.alibaba.vswitch_id and region (sindri packer doctor checks both)'],
        code: 'InvalidVSwitchId.NotFound',
      });
    }
    ctx.record.vpcId = vpcId;
  },
};
