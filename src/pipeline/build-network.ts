/**
 * The network of a cloud-assistant build, which sindri makes itself because a security group packer
 * makes lets everything in (packer 1.6.6 and the plugin both authorize all protocols from 0.0.0.0/0):
 * a security group `sindri-<build ID>` with no inbound rule, in the configured VPC or in a VPC of its
 * own with a VSwitch in the zone each launch uses. Every part is recorded (record.network), written to
 * the build's journal (api-calls.jsonl, which `sindri packer sweep` reads) and named for the build.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILD_ID_TAG, MANAGED_BY_KEY, MANAGED_BY_VALUE } from '../images/tags.ts';
import { deleteLeftovers, madeResource, type SweepOutcome } from '../images/teardown.ts';
import {
  ensureVpc,
  makeSecurityGroup,
  makeVSwitch,
  type NetworkSpec,
  vswitchCidr,
} from '../images/temporary-network.ts';
import type { Leftover, LeftoverKind } from '../packer/leftovers.ts';
import { PACKER_FILES } from '../packer/supervisor.ts';
import { type BuildContext, recordDir, saveState } from './context.ts';
import { leftoverLines } from './leftovers.ts';
import { packerLeftSome } from './packer-failure.ts';
import type { BuildNetwork } from './record.ts';

/** Whether the build makes a network of its own (cloud-assistant without a security group of the user's). */
export function makesNetwork(ctx: BuildContext): boolean {
  const p = ctx.config.providers.packer;
  return p.build.communicator === 'cloud-assistant' && !p.alibaba.security_group_id;
}

/** Appends to the build's journal, so that sweep knows what a dead build made. */
async function journal(ctx: BuildContext, event: 'created' | 'deleted', kind: LeftoverKind, id: string) {
  const line = { at: new Date().toISOString(), event, kind, id, region: ctx.record.region, by: 'sindri' };
  await appendFile(join(recordDir(ctx), PACKER_FILES.journal), `${JSON.stringify(line)}\n`, { mode: 0o600 });
}

function spec(ctx: BuildContext): NetworkSpec {
  return {
    region: ctx.record.region,
    name: `sindri-${ctx.record.buildId}`,
    tags: { [MANAGED_BY_KEY]: MANAGED_BY_VALUE, [BUILD_ID_TAG]: ctx.record.buildId },
    signal: ctx.signal,
    pollMs: ctx.testing.pollMs,
  };
}

/**
 * The `-var`s of one launch in `zoneId` ('' when packer picks the zone): the VPC, a VSwitch in that
 * zone and the security group, making what does not exist yet.
 */
export async function networkFor(ctx: BuildContext, zoneId: string): Promise<Record<string, string>> {
  if (!makesNetwork(ctx)) return {};
  const a = ctx.config.providers.packer.alibaba;
  const clients = await ctx.session.clients(ctx.record.region);
  ctx.record.network ??= { vswitches: {} };
  const net = ctx.record.network;
  const s = spec(ctx);
  const save = () => saveState(ctx);
  const vars: Record<string, string> = {};
  // The VPC: configured, the configured VSwitch's, or one of the build's own.
  let vpcId = a.vpc_id ?? ctx.record.vpcId;
  if (!vpcId) {
    const before = net.vpcId;
    vpcId = await ensureVpc(clients, s, net, save);
    if (!before) await journal(ctx, 'created', 'vpc', vpcId);
    vars.vpc_id = vpcId;
    if (!a.vswitch_id) {
      const zone = zoneId || Object.keys(net.vswitches)[0] || '';
      if (!zone) throw new Error('build-network: a VSwitch of its own needs a zone');
      net.vswitches[zone] ??= await makeVSwitch(
        clients,
        s,
        vpcId,
        zone,
        vswitchCidr(Object.keys(net.vswitches).length),
        async (id) => {
          net.vswitches[zone] = id;
          await save();
          await journal(ctx, 'created', 'vswitch', id);
        },
      );
      vars.vswitch_id = net.vswitches[zone] as string;
    }
  }
  if (!net.securityGroupId) {
    await makeSecurityGroup(clients, s, vpcId, async (id) => {
      net.securityGroupId = id;
      await save();
      await journal(ctx, 'created', 'security-group', id);
    });
    ctx.progress.phase(
      'network',
      `security group ${net.securityGroupId} (no inbound rule) for Cloud Assistant`,
    );
  }
  vars.security_group_id = net.securityGroupId as string;
  return vars;
}

/** Deletes the build's own network (packer has deleted its instance by now); returns what is left. */
export async function removeNetwork(ctx: BuildContext): Promise<SweepOutcome[]> {
  const net: BuildNetwork | undefined = ctx.record.network;
  if (!net || net.removed) return [];
  const region = ctx.record.region;
  const of = { region, buildId: ctx.record.buildId, name: `sindri-${ctx.record.buildId}` };
  const leftover = (kind: LeftoverKind, id: string) => madeResource(kind, id, of);
  const list: Leftover[] = [
    ...(net.securityGroupId ? [leftover('security-group', net.securityGroupId)] : []),
    ...Object.values(net.vswitches).map((id) => leftover('vswitch', id)),
    ...(net.vpcId ? [leftover('vpc', net.vpcId)] : []),
  ];
  const clients = await ctx.session.clients(region);
  // When packer could not delete its instance, the network it is in stays held: try it once.
  const packerLeft = packerLeftSome(ctx.work.refusals, ctx.work.cleanupErrors);
  const outcomes = await deleteLeftovers(async () => clients, list, { waitForDependencies: !packerLeft });
  for (const o of outcomes) if (o.result !== 'failed') await journal(ctx, 'deleted', o.kind, o.id);
  const failed = outcomes.filter((o) => o.result === 'failed');
  if (failed.length > 0) {
    ctx.warn(
      `the build's network could not all be removed (sindri packer sweep finds it): ${leftoverLines(failed).join('; ')}`,
    );
    return failed;
  }
  net.removed = true;
  await saveState(ctx);
  ctx.progress.detail(`removed the build's network (${list.map((l) => l.id).join(', ')})`);
  return [];
}
