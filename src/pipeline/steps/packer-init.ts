/** Packer >= 1.7 keeps the builder in a plugin: `packer init` installs it first. */
import { packerEnv } from '../../cloud/credentials.ts';
import { SindriError } from '../../errors.ts';
import { packerSupportsRequiredPlugins } from '../../packer/binary.ts';
import { packerInit as init } from '../../packer/run.ts';
import type { BuildContext } from '../context.ts';
import type { Step } from '../run.ts';

export const packerInit: Step<BuildContext> = {
  name: 'packer-init',
  skip: (ctx) =>
    (ctx.record.cached || !packerSupportsRequiredPlugins(ctx.packer.version)) && 'the builder is built in',
  async run(ctx) {
    ctx.progress.detail('packer init: installing the alicloud plugin');
    const clients = await ctx.session.clients(ctx.record.region);
    const result = await init({
      packerPath: ctx.packer.path,
      dir: ctx.work.workDir as string,
      file: ctx.work.rendered?.mainFile as string,
      env: packerEnv(await ctx.session.credentials(), ctx.record.region, ctx.env),
    });
    if (result.ok) return;
    throw new SindriError(`packer init failed:\n${clients.redact(result.output.trim())}`, {
      actions: [
        'packer >= 1.7 downloads the alicloud plugin from GitHub; without network access install it with `packer plugins install github.com/hashicorp/alicloud`, or use packer 1.6.x',
      ],
      code: 'PackerInitFailed',
    });
  },
};
