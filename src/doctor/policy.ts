/**
 * A small evaluator of RAM policy documents (version 1): Allow/Deny statements over
 * `product:Action` names with `*` and `?` wildcards, `Action` or `NotAction`. An explicit Deny wins
 * over any Allow. Statements with a `Condition` are reported as conditional: a conditional Allow
 * does not count as a grant, a conditional Deny does not count as a denial.
 */

export interface PolicyStatement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: unknown;
}

export interface NamedPolicy {
  /** `SindriBuild (Custom)` */
  name: string;
  document: string;
}

export type Decision = 'Allow' | 'Deny' | 'ImplicitDeny';

export interface ActionVerdict {
  action: string;
  decision: Decision;
  /** Policies whose statements decided it (the Deny, or the Allows). */
  by: string[];
  /** Conditional statements that matched and were not counted. */
  conditional: string[];
}

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** Case-insensitive wildcard match: `ecs:Describe*`, `ecs:*`, `*`, `ecs:Describe?mages`. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = pattern
    .trim()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(action);
}

/** The statements of a policy document; throws on JSON that is not a policy. */
export function parsePolicyDocument(document: string): PolicyStatement[] {
  const parsed = JSON.parse(document) as { Statement?: PolicyStatement | PolicyStatement[] };
  if (parsed === null || typeof parsed !== 'object')
    throw new Error('a policy document must be a JSON object');
  const st = parsed.Statement;
  if (st === undefined) return [];
  return Array.isArray(st) ? st : [st];
}

function statementMatches(st: PolicyStatement, names: readonly string[]): boolean {
  const actions = list(st.Action);
  const notActions = list(st.NotAction);
  return names.some((name) =>
    actions.length > 0
      ? actions.some((p) => actionMatches(p, name))
      : notActions.length > 0 && !notActions.some((p) => actionMatches(p, name)),
  );
}

/**
 * Evaluates one action against the policies. `aliases` are other names that authorise the same
 * call (the ECS API's VPC actions are also authorised by their `vpc:` names).
 */
export function evaluateAction(
  policies: readonly NamedPolicy[],
  action: string,
  aliases: readonly string[] = [],
): ActionVerdict {
  const names = [action, ...aliases];
  const allows: string[] = [];
  const denies: string[] = [];
  const conditional: string[] = [];
  for (const p of policies) {
    for (const st of parsePolicyDocument(p.document)) {
      if (!statementMatches(st, names)) continue;
      const effect = (st.Effect ?? '').toLowerCase();
      if (st.Condition !== undefined && Object.keys(st.Condition as object).length > 0) {
        conditional.push(p.name);
        continue;
      }
      if (effect === 'deny') denies.push(p.name);
      else if (effect === 'allow') allows.push(p.name);
    }
  }
  const uniq = (xs: string[]) => [...new Set(xs)];
  if (denies.length > 0)
    return { action, decision: 'Deny', by: uniq(denies), conditional: uniq(conditional) };
  if (allows.length > 0)
    return { action, decision: 'Allow', by: uniq(allows), conditional: uniq(conditional) };
  return { action, decision: 'ImplicitDeny', by: [], conditional: uniq(conditional) };
}
