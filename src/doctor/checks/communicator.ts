/**
 * What the configured communicator needs. `cloud-assistant`: a Linux source image that carries the
 * Cloud Assistant agent (Alibaba's public images since 2017-12-01 do: RunCommand API reference,
 * "Usage notes"), and a way to the packages with no public address (the intranet mirrors, or a NAT
 * gateway in the VPC). `ssh-private`: a network the runner reaches (a configured VSwitch) and a
 * readable bastion key. The RAM actions of each mode are the `ram` check's (required-actions.ts).
 */
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { CloudClients } from '../../cloud/index.ts';
import { sessionOrSkip } from '../errors.ts';
import type { Check, CheckOutcome, DoctorContext } from '../types.ts';

/** Public images carry the agent from this day on. */
const AGENT_SINCE = Date.parse('2017-12-01T00:00:00Z');

interface ImageFacts {
  ownerAlias?: string;
  osType?: string;
  creationTime?: string;
  managedBySindri: boolean;
  name: string;
}

async function sourceImageFacts(ctx: DoctorContext, clients: CloudClients): Promise<ImageFacts | undefined> {
  const a = ctx.config?.providers.packer.alibaba;
  if (!a?.source_image) return undefined;
  for (const alias of [undefined, 'marketplace'] as const) {
    const body = await clients.call('ecs', 'DescribeImages', {
      regionId: ctx.region,
      imageId: a.source_image,
      ...(alias ? { imageOwnerAlias: alias } : {}),
    });
    const img = body.images?.image?.find((i) => i.imageId === a.source_image);
    if (img)
      return {
        ...(img.imageOwnerAlias ? { ownerAlias: img.imageOwnerAlias } : {}),
        ...(img.OSType ? { osType: img.OSType } : {}),
        ...(img.creationTime ? { creationTime: img.creationTime } : {}),
        managedBySindri: (img.tags?.tag ?? []).some(
          (t) => t.tagKey === 'ManagedBy' && t.tagValue === 'sindri',
        ),
        name: img.imageName ?? a.source_image,
      };
  }
  return undefined;
}

/** Whether the build instance's image carries the agent, as far as the API tells. */
function agentVerdict(image: ImageFacts | undefined, family: string | undefined): CheckOutcome | undefined {
  if (!image)
    return family
      ? undefined
      : { status: 'warn', detail: 'the source image was not found (see the source-image check)' };
  if (image.osType?.toLowerCase() === 'windows')
    return {
      status: 'fail',
      detail: `${image.name} is Windows: Cloud Assistant runs sindri's shell scripts only on Linux`,
      fix: 'use a Linux source image, or communicator: ssh',
    };
  const created = image.creationTime ? Date.parse(image.creationTime) : Number.NaN;
  if (image.ownerAlias === 'system' && !(created < AGENT_SINCE)) return undefined;
  if (image.ownerAlias === 'self' && image.managedBySindri) return undefined;
  return {
    status: 'warn',
    detail: `cannot tell whether ${image.name} (${image.ownerAlias ?? 'unknown owner'}) carries the Cloud Assistant agent`,
    fix: 'use an Alibaba public image (they carry the agent) or one made from it; or install the agent in yours (InstallCloudAssistant)',
  };
}

/** How a build instance without a public address reaches packages. */
async function egress(ctx: DoctorContext, clients: CloudClients): Promise<CheckOutcome | undefined> {
  const p = ctx.config?.providers.packer;
  if (!p) return undefined;
  const vpcId =
    p.alibaba.vpc_id ??
    (p.alibaba.vswitch_id
      ? await ctx.vswitch().then(
          (v) => v?.vpcId,
          () => undefined,
        )
      : undefined);
  let nat = false;
  if (vpcId) {
    const body = await clients.call('vpc', 'DescribeNatGateways', {
      regionId: ctx.region,
      vpcId,
      networkType: 'internet',
    });
    nat = (body.natGateways?.natGateway ?? []).length > 0;
  }
  if (nat) return undefined;
  const where = vpcId
    ? `VPC ${vpcId} has no internet NAT gateway`
    : 'the VPC sindri makes has no NAT gateway';
  const needsInternet = 'the Sindri CLI (npm registry) and upstream extension sources';
  if (p.build.mirrors === 'aliyun-intranet')
    return {
      status: 'warn',
      detail: `no public address and ${where}: the intranet mirrors serve apt, yum, pip and Docker CE, but not ${needsInternet}`,
      fix: 'add a NAT gateway to the VPC (and set vswitch_id), or use distro extension sources and a mirror for the rest',
    };
  return {
    status: 'warn',
    detail: `no public address and ${where}: downloads from the internet will fail`,
    fix: 'set build.mirrors: aliyun-intranet (no internet needed for packages), and add a NAT gateway for the rest',
  };
}

async function assistant(ctx: DoctorContext): Promise<CheckOutcome> {
  const { clients } = await sessionOrSkip(ctx);
  const a = ctx.config?.providers.packer.alibaba;
  const image = await sourceImageFacts(ctx, clients);
  const agent = agentVerdict(image, a?.image_family);
  if (agent?.status === 'fail') return agent;
  const out = await egress(ctx, clients);
  const problems = [agent, out].filter((x): x is CheckOutcome => x !== undefined);
  if (problems.length > 0)
    return {
      status: 'warn',
      detail: `cloud-assistant: ${problems.map((x) => x.detail).join('; ')}`,
      fix: problems.flatMap((x) => (x.fix ? [x.fix] : [])).join('; '),
    };
  return {
    status: 'pass',
    detail: `cloud-assistant: ${image ? `${image.name} carries the agent` : 'the image family is Alibaba-made'}; no public address, no inbound rule`,
  };
}

async function sshPrivate(ctx: DoctorContext): Promise<CheckOutcome> {
  const p = ctx.config?.providers.packer;
  if (!p) throw new Error('no configuration');
  const bastion = p.build.bastion;
  if (bastion?.private_key_file) {
    const file = resolve(dirname(ctx.configFile ?? '.'), bastion.private_key_file);
    try {
      await access(file);
    } catch {
      return {
        status: 'fail',
        detail: `the bastion's private key ${file} cannot be read`,
        fix: 'check build.bastion.private_key_file (relative to sindri.yaml)',
      };
    }
  }
  if (!p.alibaba.vswitch_id)
    return {
      status: 'fail',
      detail:
        'ssh-private without vswitch_id: packer builds in a VPC of its own, which nothing outside it reaches',
      fix: 'set vswitch_id (and vpc_id) to a VSwitch your runner or bastion reaches',
    };
  return {
    status: 'pass',
    detail: `ssh-private: SSH to the private address in ${p.alibaba.vswitch_id}${bastion ? ` through ${bastion.host}` : ' (the runner must be in the VPC)'}`,
  };
}

export const communicator: Check = {
  id: 'communicator',
  title: 'communicator',
  needs: 'config',
  async run(ctx) {
    const mode = ctx.config?.providers.packer.build.communicator ?? 'ssh';
    if (mode === 'cloud-assistant') return assistant(ctx);
    if (mode === 'ssh-private') return sshPrivate(ctx);
    return { status: 'pass', detail: 'ssh over a temporary EIP' };
  },
};
