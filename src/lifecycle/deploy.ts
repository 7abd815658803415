/**
 * `sindri packer deploy`: one instance from an image, with a ClientToken; waits until Running.
 * Whatever fails after the instance exists, the instance (and a key pair imported for it) is
 * deleted again unless keepOnFailure.
 */
import { newClientToken, waitFor } from '../cloud/index.ts';
import { instanceTypes } from '../config/types.ts';
import { openWorkspace, type Workspace } from '../config/workspace.ts';
import { ExitCode, SindriError, UsageError } from '../errors.ts';
import { DEPLOY_ID_TAG, DEPLOYED_FROM_TAG, MANAGED_BY_KEY, MANAGED_BY_VALUE } from '../images/tags.ts';
import { chooseImage, deployableImage } from './deploy-image.ts';
import {
  type Created,
  cleanUp,
  describeInstance,
  instancesByToken,
  privateIpOf,
  publicIpOf,
} from './deploy-instance.ts';
import { ensureImportedKey, privateKeyPath, sshCommand } from './deploy-ssh-key.ts';

export const DEFAULT_INSTANCE_TYPE = 'ecs.g6.xlarge';
export const DEFAULT_PUBLIC_BANDWIDTH_MBPS = 10;
export const DEFAULT_DEPLOY_TIMEOUT_MS = 10 * 60_000;

export interface DeployOptions {
  /** The image; or one of `family`, `channel`. */
  imageId?: string | undefined;
  /** The newest Available image of this family in the region (DescribeImageFromFamily). */
  family?: string | undefined;
  /** The image this channel points to in the region (`sindri packer promote`). */
  channel?: string | undefined;
  /** The channel's image line; by default the configuration's image name. */
  line?: string | undefined;
  /** Deploy a revoked image anyway. */
  force?: boolean;
  region?: string | undefined;
  instanceType?: string | undefined;
  vswitchId?: string | undefined;
  securityGroupId?: string | undefined;
  keyPair?: string | undefined;
  sshPublicKeyFile?: string | undefined;
  publicIp?: boolean;
  name?: string | undefined;
  keepOnFailure?: boolean;
  timeoutMs?: number;
  /** First delay between status polls (tests make it short). */
  pollMs?: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

export interface DeployResult {
  instanceId: string;
  instanceName: string;
  region: string;
  zoneId: string;
  instanceType: string;
  imageId: string;
  /** How the image was chosen, when not by its ID. */
  family?: string;
  channel?: string;
  /** The image's status when deployed: Available, or Deprecated (which still launches instances). */
  imageStatus: string;
  status: string;
  privateIp: string | undefined;
  publicIp: string | undefined;
  keyPairName: string | undefined;
  keyPairImported: boolean;
  clientToken: string;
  ssh: string | undefined;
}

export async function deploy(ctx: Workspace, opts: DeployOptions): Promise<DeployResult> {
  const alibaba = ctx.alibaba;
  const region = ctx.region;
  // A ranked list of build candidates: an instance of the image starts on the first.
  const instanceType =
    opts.instanceType ?? (alibaba ? instanceTypes(alibaba)[0] : undefined) ?? DEFAULT_INSTANCE_TYPE;
  const vswitchId = opts.vswitchId ?? alibaba?.vswitch_id;
  const securityGroupId = opts.securityGroupId ?? alibaba?.security_group_id;
  const missing = [!vswitchId && '--vswitch-id', !securityGroupId && '--security-group-id'].filter(Boolean);
  if (missing.length > 0) {
    throw new UsageError(
      `deploy needs a network: ${missing.join(' and ')} (or vswitch_id / security_group_id in sindri.yaml).`,
      'pass the VSwitch and security group the instance should join',
    );
  }
  if (opts.keyPair && opts.sshPublicKeyFile) {
    throw new UsageError('--key-pair and --ssh-public-key cannot be used together.');
  }
  const progress = opts.onProgress ?? (() => {});
  const clients = await ctx.clients(region);
  const imageId = await chooseImage(clients, region, {
    ...opts,
    line: opts.line ?? ctx.loaded?.config.providers.packer.image_name,
  });
  if (imageId !== opts.imageId)
    progress(`${opts.family ? `family ${opts.family}` : `channel ${opts.channel}`}: ${imageId}`);

  const image = await deployableImage(clients, region, imageId, opts.force, progress);

  const clientToken = newClientToken();
  const baseTags = [
    { key: MANAGED_BY_KEY, value: MANAGED_BY_VALUE },
    ...Object.entries(ctx.userTags).map(([key, value]) => ({ key, value })),
  ];
  const created: Created = { instanceIds: [], importedKeyPair: undefined };
  let keyPairName = opts.keyPair;
  const fail = async (err: unknown): Promise<never> => {
    if (opts.keepOnFailure || (created.instanceIds.length === 0 && !created.importedKeyPair)) {
      if (created.instanceIds.length > 0)
        progress(`kept instance ${created.instanceIds.join(', ')} (--keep-on-failure)`);
      throw err;
    }
    progress('deploy failed; deleting what it created');
    const left = await cleanUp(clients, region, created, progress);
    if (left.length > 0) {
      const why = err instanceof Error ? err.message : String(err);
      throw new SindriError(`Deploy failed (${why}) and clean-up could not delete: ${left.join('; ')}`, {
        code: 'CleanupFailed',
        actions: ['delete the resources listed in the console or with the aliyun CLI'],
      });
    }
    if (opts.signal?.aborted) {
      throw new SindriError('Interrupted; the instance was deleted.', {
        code: 'Interrupted',
        exitCode: ExitCode.interrupted,
      });
    }
    throw err;
  };

  try {
    if (opts.sshPublicKeyFile) {
      const key = await ensureImportedKey(clients, region, opts.sshPublicKeyFile, baseTags);
      keyPairName = key.name;
      if (key.imported) {
        created.importedKeyPair = key.name;
        progress(`imported key pair ${key.name}`);
      }
    }
    const instanceName = opts.name ?? `${image.imageName ?? 'sindri'}-${clientToken.slice(-6)}`.slice(0, 128);
    const bandwidth = opts.publicIp
      ? alibaba?.internet_max_bandwidth_out || DEFAULT_PUBLIC_BANDWIDTH_MBPS
      : 0;
    let instanceId: string | undefined;
    try {
      const run = await clients.call(
        'ecs',
        'RunInstances',
        {
          regionId: region,
          imageId,
          instanceType,
          vSwitchId: vswitchId,
          securityGroupId,
          instanceName,
          amount: 1,
          internetMaxBandwidthOut: bandwidth,
          ...(bandwidth > 0 ? { internetChargeType: alibaba?.internet_charge_type ?? 'PayByTraffic' } : {}),
          ...(keyPairName ? { keyPairName } : {}),
          ...(alibaba?.system_disk_category
            ? { systemDisk: { category: alibaba.system_disk_category } as never }
            : {}),
          tag: [
            ...baseTags,
            { key: DEPLOYED_FROM_TAG, value: imageId },
            { key: DEPLOY_ID_TAG, value: clientToken },
          ] as never,
        },
        { clientToken, ...(opts.signal ? { signal: opts.signal } : {}) },
      );
      instanceId = run.instanceIdSets?.instanceIdSet?.[0];
    } catch (err) {
      // The request may have created the instance even though no answer came back: look it up
      // by the deploy's tag so that nothing is left behind.
      created.instanceIds.push(...(await instancesByToken(clients, region, clientToken).catch(() => [])));
      throw err;
    }
    if (!instanceId) {
      created.instanceIds.push(...(await instancesByToken(clients, region, clientToken)));
      throw new SindriError('RunInstances returned no instance ID.', { code: 'InvalidResponse' });
    }
    created.instanceIds.push(instanceId);
    progress(`created instance ${instanceId}; waiting for Running`);

    let view = await waitFor({
      poll: () => describeInstance(clients, region, instanceId),
      isDone: (v) => v?.status === 'Running',
      failed: (v) => (v === undefined ? 'the instance disappeared' : undefined),
      deadlineMs: opts.timeoutMs ?? DEFAULT_DEPLOY_TIMEOUT_MS,
      initialDelayMs: opts.pollMs ?? 2_000,
      maxDelayMs: 10_000,
      what: `instance ${instanceId} to be Running`,
      describe: (v) => v?.status ?? 'not found',
      ...(opts.signal ? { signal: opts.signal } : {}),
      onProgress: (p) =>
        progress(`instance ${instanceId}: ${p.value?.status ?? '?'} (${Math.round(p.elapsedMs / 1000)} s)`),
    });
    if (opts.publicIp && !publicIpOf(view)) {
      await clients.call('ecs', 'AllocatePublicIpAddress', { instanceId });
      view = await describeInstance(clients, region, instanceId);
      if (!publicIpOf(view)) {
        throw new SindriError(`Instance ${instanceId} got no public IP address.`, { code: 'NoPublicIp' });
      }
    }
    const publicIp = publicIpOf(view);
    const privateIp = privateIpOf(view);
    const user = ctx.loaded?.config.providers.packer.build.ssh_username ?? 'root';
    return {
      instanceId,
      instanceName: view?.instanceName ?? instanceName,
      region,
      zoneId: view?.zoneId ?? '',
      instanceType,
      imageId,
      ...(opts.family ? { family: opts.family } : {}),
      ...(opts.channel ? { channel: opts.channel } : {}),
      imageStatus: image.status ?? 'Available',
      status: view?.status ?? 'Running',
      privateIp,
      publicIp,
      keyPairName,
      keyPairImported: created.importedKeyPair !== undefined,
      clientToken,
      ssh: sshCommand(publicIp ?? privateIp, user, privateKeyPath(opts.sshPublicKeyFile)),
    };
  } catch (err) {
    return fail(err);
  }
}

export interface RunDeployOptions extends DeployOptions {
  configPath?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export async function runDeploy(opts: RunDeployOptions): Promise<DeployResult> {
  const ctx: Workspace = await openWorkspace(opts);
  return deploy(ctx, opts);
}
