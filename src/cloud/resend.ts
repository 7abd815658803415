/**
 * Whether a call may be sent again after an answer that leaves its outcome unknown (a 5xx, a lost
 * reply, a gateway page). Reads may; calls with a ClientToken may, with the same token (ECS "How to
 * ensure idempotence": the same token returns the first result, other parameters are
 * `IdempotentParameterMismatch`). A mutation without a token is resent only where its rule below
 * says a second send cannot do harm, or after a look-up shows the first did not take effect. Whether
 * an action takes a ClientToken is read from its SDK request model (`clientToken` field).
 */
import type { CloudClients } from './clients.ts';
import type { OutcomeCheck } from './retry.ts';

const READ_PREFIXES = ['Describe', 'List', 'Get', 'Query', 'Check'];

export function isReadAction(action: string): boolean {
  return READ_PREFIXES.some((p) => action.startsWith(p));
}

type Call = CloudClients['call'];
type Request = Record<string, unknown>;
type Lookup = (call: Call, request: Request) => Promise<Record<string, unknown> | undefined>;

/**
 * - `set-state`: the same request again sets the same state;
 * - `delete`: a second send finds the resource gone, which means the first one deleted it;
 * - `look-up`: a read tells whether the call took effect (its result, or `undefined`: send again);
 * - `never`: neither is possible; the failure stands and says the outcome is unknown.
 */
export type ResendRule =
  | { kind: 'set-state'; source: string }
  | { kind: 'delete'; gone: RegExp; source: string }
  | { kind: 'look-up'; lookUp: Lookup; source: string }
  | { kind: 'never'; source: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

async function instance(call: Call, request: Request) {
  const id = str(request.instanceId);
  if (!id) return undefined;
  const body = await call('ecs', 'DescribeInstances', {
    ...(str(request.regionId) ? { regionId: str(request.regionId) } : {}),
    instanceIds: JSON.stringify([id]),
  } as never);
  return body.instances?.instance?.find((i) => i.instanceId === id);
}

const ALL_STATUSES = 'Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated';

const lookUpImageAttribute: Lookup = async (call, request) => {
  const imageId = str(request.imageId);
  if (!imageId) return undefined;
  const body = await call('ecs', 'DescribeImages', {
    regionId: str(request.regionId),
    imageId,
    status: ALL_STATUSES,
  });
  const image = body.images?.image?.find((i) => i.imageId === imageId);
  if (!image) return undefined;
  const wanted: Array<[unknown, unknown]> = [
    [request.imageName, image.imageName],
    [request.description, image.description],
    [request.status, image.status],
    [request.imageFamily, image.imageFamily],
  ];
  return wanted.every(([asked, now]) => asked === undefined || asked === now) ? {} : undefined;
};

const lookUpSharePermission: Lookup = async (call, request) => {
  const imageId = str(request.imageId);
  if (!imageId) return undefined;
  const shared = new Set<string>();
  for (let pageNumber = 1; pageNumber <= 10; pageNumber++) {
    const body = await call('ecs', 'DescribeImageSharePermission', {
      regionId: str(request.regionId),
      imageId,
      pageNumber,
      pageSize: 100,
    });
    const page = body.accounts?.account ?? [];
    for (const a of page) if (a.aliyunId) shared.add(a.aliyunId);
    if (page.length < 100) break;
  }
  const added = list(request.addAccount).every((a) => shared.has(a));
  const removed = list(request.removeAccount).every((a) => !shared.has(a));
  return added && removed ? {} : undefined;
};

const gone = (what: string) => new RegExp(`^Invalid${what}(Id|Name)?\\.NotFound$`);

/** Token-less mutations sindri (or its tests) call, and why a second send is safe or not. */
export const RESEND_RULES: Readonly<Record<string, ResendRule>> = {
  ModifyImageAttribute: {
    kind: 'look-up',
    lookUp: lookUpImageAttribute,
    // Deprecating twice is refused (ImageStatus.NotAvailable): a resend is not a no-op.
    source: 'ModifyImageAttribute API reference errors (ImageStatus.NotAvailable, ImageStatus.NotDeprecated)',
  },
  ModifyImageSharePermission: {
    kind: 'look-up',
    lookUp: lookUpSharePermission,
    source:
      'ModifyImageSharePermission API reference (the share list; re-adding an account is not documented)',
  },
  AddTags: { kind: 'set-state', source: 'SDK AddTags: an existing key gets the new value (overwritten)' },
  TagResources: { kind: 'set-state', source: 'SDK AddTags / TagResources: keys are overwritten' },
  RemoveTags: { kind: 'set-state', source: 'assumed: removing an absent tag changes nothing' },
  UntagResources: { kind: 'set-state', source: 'assumed: removing an absent tag changes nothing' },
  JoinResourceGroup: { kind: 'set-state', source: 'assumed: moving into the group it is in changes nothing' },
  StopInvocation: {
    kind: 'set-state',
    source:
      'StopInvocation API reference: it stops a Running invocation; assumed: a second send leaves it stopped (sindri ignores its errors)',
  },
  DeleteImage: {
    kind: 'delete',
    gone: gone('Image'),
    source:
      'DeleteImage API reference: "If the specified custom image does not exist, the request is ignored"',
  },
  CancelCopyImage: {
    kind: 'delete',
    gone: gone('Image'),
    source: 'assumed: a cancelled copy is deleted, so a second cancel finds no image',
  },
  DeleteSnapshot: {
    kind: 'delete',
    gone: gone('Snapshot'),
    source: 'DeleteSnapshot API reference errors (404 InvalidSnapshotId.NotFound)',
  },
  DeleteInstance: {
    kind: 'delete',
    gone: gone('Instance'),
    source: 'ECS ref StopInstance errors (404 InvalidInstanceId.NotFound for an instance that is not there)',
  },
  DeleteKeyPairs: { kind: 'delete', gone: gone('KeyPair'), source: 'assumed (the Invalid*.NotFound family)' },
  DeleteSecurityGroup: {
    kind: 'delete',
    gone: gone('SecurityGroup'),
    source: 'assumed (the Invalid*.NotFound family)',
  },
  DeleteVSwitch: { kind: 'delete', gone: gone('VSwitch'), source: 'assumed (the Invalid*.NotFound family)' },
  DeleteVpc: { kind: 'delete', gone: gone('Vpc'), source: 'assumed (the Invalid*.NotFound family)' },
  ReleaseEipAddress: {
    kind: 'delete',
    gone: gone('Allocation'),
    source: 'assumed (the Invalid*.NotFound family)',
  },
  StopInstance: {
    kind: 'look-up',
    // A second StopInstance of a stopping instance is IncorrectInstanceStatus.
    lookUp: async (call, request) => {
      const status = (await instance(call, request))?.status;
      return status === 'Stopping' || status === 'Stopped' ? {} : undefined;
    },
    source: 'ECS ref StopInstance errors (IncorrectInstanceStatus)',
  },
  AllocatePublicIpAddress: {
    kind: 'look-up',
    // A second one answers AllocatedAlready.
    lookUp: async (call, request) => {
      const ip = (await instance(call, request))?.publicIpAddress?.ipAddress?.find(Boolean);
      return ip ? { ipAddress: ip } : undefined;
    },
    source: 'ECS ref AllocatePublicIpAddress errors (AllocatedAlready)',
  },
  ImportKeyPair: {
    kind: 'look-up',
    // A second one answers KeyPair.AlreadyExist.
    lookUp: async (call, request) => {
      const name = str(request.keyPairName);
      if (!name) return undefined;
      const body = await call('ecs', 'DescribeKeyPairs', {
        regionId: str(request.regionId),
        keyPairName: name,
      });
      const found = body.keyPairs?.keyPair?.find((k) => k.keyPairName === name);
      return found ? { keyPairName: name, keyPairFingerprint: found.keyPairFingerprint } : undefined;
    },
    source: 'assumed: a second import of the name is refused (KeyPair.AlreadyExist)',
  },
  UnassociateEipAddress: {
    kind: 'look-up',
    lookUp: async (call, request) => {
      const allocationId = str(request.allocationId);
      if (!allocationId) return undefined;
      const body = await call('ecs', 'DescribeEipAddresses', {
        regionId: str(request.regionId),
        allocationId,
      });
      const eip = body.eipAddresses?.eipAddress?.find((e) => e.allocationId === allocationId);
      return !eip || eip.status === 'Unassociating' || eip.status === 'Available' ? {} : undefined;
    },
    source: 'assumed: a second one is refused once the EIP is unassociating (IncorrectEipStatus)',
  },
  CreateKeyPair: {
    kind: 'never',
    source:
      'SDK CreateKeyPair: "returns the private key … You must securely store the private key": a second send cannot return it',
  },
  ExportImage: {
    kind: 'never',
    source: 'its caller looks for the task with DescribeTasks (src/transfer/export-start.ts)',
  },
};

/** The rule of a token-less mutation; one that is not listed is never sent twice. */
export function resendRule(action: string): ResendRule {
  return RESEND_RULES[action] ?? { kind: 'never', source: 'not listed: not known to be safe to send twice' };
}

/** What the client does when a token-less mutation's outcome is unknown. */
export async function checkOutcome(
  action: string,
  request: Request,
  call: Call,
): Promise<OutcomeCheck<Record<string, unknown>>> {
  const rule = resendRule(action);
  switch (rule.kind) {
    case 'set-state':
    case 'delete':
      return 'resend';
    case 'look-up': {
      try {
        const found = await rule.lookUp(call, request);
        return found ? { settled: found } : 'resend';
      } catch {
        // The look-up failed too: nothing is known, so nothing is sent again.
        return 'unknown';
      }
    }
    case 'never':
      return 'unknown';
  }
}
