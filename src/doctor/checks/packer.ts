import {
  compareVersions,
  PACKER_INSTALL_HINT,
  packerMissingReason,
  packerSupportsRequiredPlugins,
} from '../../packer/binary.ts';
import type { Check } from '../types.ts';
import { SkipCheck } from '../types.ts';

/** Packer on PATH (or SINDRI_PACKER). */
export const packerInstalled: Check = {
  id: 'packer',
  title: 'packer installed',
  needs: 'none',
  async run(ctx) {
    const p = await ctx.packer();
    if (!p)
      return {
        status: 'fail',
        detail: await packerMissingReason(ctx.env),
        fix: PACKER_INSTALL_HINT,
      };
    return { status: 'pass', detail: `${p.path} (${p.version})` };
  },
};

/** HCL2 sources need packer >= 1.5; sindri is tested with 1.6.6 and the 1.7+ plugin layout. */
export const packerVersion: Check = {
  id: 'packer-version',
  title: 'packer version',
  needs: 'none',
  async run(ctx) {
    const p = await ctx.packer();
    if (!p) throw new SkipCheck('packer is not installed');
    if (compareVersions(p.version, '1.5.0') < 0) {
      return {
        status: 'fail',
        detail: `packer ${p.version} cannot read HCL2 templates`,
        fix: 'install packer 1.6.6 or newer',
      };
    }
    if (compareVersions(p.version, '1.6.0') < 0) {
      return {
        status: 'warn',
        detail: `packer ${p.version} is older than sindri is tested with (1.6.6)`,
        fix: 'install packer 1.6.6 or newer',
      };
    }
    return {
      status: 'pass',
      detail: packerSupportsRequiredPlugins(p.version)
        ? `${p.version}: the alicloud builder is a plugin (required_plugins)`
        : `${p.version}: the alicloud-ecs builder is built in`,
    };
  },
};

async function run(path: string, args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal) {
  const { execa } = await import('execa');
  return execa(path, args, {
    env: { ...env, CHECKPOINT_DISABLE: '1' },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    cancelSignal: signal,
    timeout: 20_000,
  });
}

/** alicloud-ecs: built in before 1.7; from 1.7 the plugin must be installed (`packer init`). */
export const packerBuilder: Check = {
  id: 'packer-builder',
  title: 'alicloud builder',
  needs: 'none',
  async run(ctx, signal) {
    const p = await ctx.packer();
    if (!p) throw new SkipCheck('packer is not installed');
    const fix =
      'run `packer init` on the rendered template (`sindri packer template`) or `packer plugins install github.com/hashicorp/alicloud`';
    if (!packerSupportsRequiredPlugins(p.version)) {
      return { status: 'pass', detail: `alicloud-ecs is built into packer ${p.version}` };
    }
    const r = await run(p.path, ['plugins', 'installed'], ctx.env, signal);
    if (r.exitCode !== 0) {
      return {
        status: 'warn',
        detail: `packer ${p.version} cannot list its plugins (\`packer plugins installed\` exited ${r.exitCode})`,
        fix,
      };
    }
    const line = r.stdout.split('\n').find((l) => /alicloud/i.test(l));
    if (!line) return { status: 'fail', detail: 'the alicloud plugin is not installed', fix };
    return { status: 'pass', detail: `plugin installed: ${line.trim()}` };
  },
};
