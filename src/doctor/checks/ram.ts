import { toCloudError } from '../../cloud/index.ts';
import { NETWORK_ACTIONS } from '../../packer/required-actions.ts';
import { isForbidden, sessionOrSkip } from '../errors.ts';
import { evaluateAction, type NamedPolicy } from '../policy.ts';
import type { Check, DoctorContext } from '../types.ts';
import { CouldNotCheck } from '../types.ts';

const READ_FIX =
  'allow ram:ListPoliciesForUser (ram:ListPoliciesForRole for a role) and ram:GetPolicy, e.g. with AliyunRAMReadOnlyAccess, to let doctor check permissions';

/** Who the caller is, from the ARN: `user/NAME`, `assumed-role/ROLE/SESSION`. */
export function principalOf(arn: string): { kind: 'root' | 'user' | 'role' | 'unknown'; name: string } {
  const resource = arn.split(':').slice(4).join(':');
  if (resource === 'root') return { kind: 'root', name: '' };
  const [type, name = ''] = resource.split('/');
  if (type === 'user') return { kind: 'user', name };
  if (type === 'assumed-role') return { kind: 'role', name };
  return { kind: 'unknown', name: resource };
}

/** Other names that authorise the same call (the ECS API's VPC/EIP actions also answer to `vpc:`). */
export function aliasesOf(action: string): string[] {
  const [product, name = ''] = action.split(':');
  return product === 'ecs' && NETWORK_ACTIONS.has(name) ? [`vpc:${name}`] : [];
}

async function readPolicies(ctx: DoctorContext, kind: 'user' | 'role', name: string): Promise<NamedPolicy[]> {
  const { clients } = await ctx.session();
  const guard = async <T>(action: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      const e = toCloudError(err);
      if (isForbidden(e))
        throw new CouldNotCheck(`RAM read access is denied (${action}: ${e.code})`, READ_FIX);
      throw err;
    }
  };
  const list =
    kind === 'user'
      ? await guard('ram:ListPoliciesForUser', () =>
          clients.call('ram', 'ListPoliciesForUser', { userName: name }),
        )
      : await guard('ram:ListPoliciesForRole', () =>
          clients.call('ram', 'ListPoliciesForRole', { roleName: name }),
        );
  const attached = list.policies?.policy ?? [];
  return Promise.all(
    attached.map(async (p) => {
      const body = await guard('ram:GetPolicy', () =>
        clients.call('ram', 'GetPolicy', { policyName: p.policyName, policyType: p.policyType }),
      );
      return {
        name: `${p.policyName} (${p.policyType})`,
        document: body.defaultPolicyVersion?.policyDocument ?? body.policy?.policyDocument ?? '{}',
      };
    }),
  );
}

/** The caller's attached policies allow every action this configuration's build needs. */
export const ram: Check = {
  id: 'ram',
  title: 'RAM permissions',
  needs: 'config',
  async run(ctx) {
    await sessionOrSkip(ctx);
    const id = await ctx.identity();
    const who = principalOf(id.arn);
    if (who.kind === 'root' || id.identityType === 'Account') {
      return {
        status: 'pass',
        detail: 'the root account may call every action (a RAM user with `--print-policy` is safer)',
      };
    }
    if (who.kind === 'unknown' || !who.name) {
      throw new CouldNotCheck(`cannot tell the principal from ${id.arn}`);
    }
    const policies = await readPolicies(ctx, who.kind, who.name);
    const needed = await ctx.requiredActions();
    const verdicts = needed.map((a) => evaluateAction(policies, a, aliasesOf(a)));
    const denied = verdicts.filter((v) => v.decision === 'Deny');
    const missing = verdicts.filter((v) => v.decision === 'ImplicitDeny');
    const conditional = [...new Set(verdicts.flatMap((v) => (v.decision === 'Allow' ? [] : v.conditional)))];
    const holder = `${who.kind === 'user' ? 'RAM user' : 'role'} ${who.name}`;
    if (denied.length > 0 || missing.length > 0) {
      const parts: string[] = [];
      if (missing.length > 0) parts.push(`not allowed: ${missing.map((v) => v.action).join(', ')}`);
      if (denied.length > 0)
        parts.push(
          `explicitly denied: ${denied.map((v) => `${v.action} (by ${v.by.join(', ')})`).join(', ')}`,
        );
      if (conditional.length > 0)
        parts.push(`conditional statements not evaluated in ${conditional.join(', ')}`);
      return {
        status: 'fail',
        detail: `${holder}: ${parts.join('; ')}`,
        fix: 'attach the policy printed by `sindri packer doctor --print-policy` (and remove the Deny statements)',
      };
    }
    return {
      status: 'pass',
      detail: `${holder}: ${policies.length} attached polic${policies.length === 1 ? 'y allows' : 'ies allow'} all ${needed.length} actions of this build (group policies are not read)`,
    };
  },
};
