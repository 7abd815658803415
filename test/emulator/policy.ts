/** Evaluation of RAM policy documents: Allow/Deny statements over `product:Action` with `*`/`?` wildcards. */

interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
}

const asList = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

export function actionMatches(pattern: string, action: string): boolean {
  return globToRegExp(pattern).test(action);
}

export type Decision = 'Allow' | 'Deny' | 'ImplicitDeny';

/** Parses a policy document; throws on malformed JSON (used to validate seeded policies). */
export function parsePolicy(document: string): Statement[] {
  const parsed = JSON.parse(document) as { Statement?: Statement | Statement[] };
  const st = parsed.Statement;
  if (st === undefined) return [];
  return Array.isArray(st) ? st : [st];
}

/**
 * Evaluates `actions` (any of which may authorise the call, e.g. `vpc:CreateVpc` and `ecs:CreateVpc`)
 * against a set of policy documents. An explicit Deny on any name wins over any Allow.
 */
export function evaluate(documents: string[], actions: string[]): Decision {
  let allowed = false;
  for (const doc of documents) {
    for (const st of parsePolicy(doc)) {
      const patterns = asList(st.Action);
      const notPatterns = asList(st.NotAction);
      const hit = actions.some((a) =>
        patterns.length > 0
          ? patterns.some((p) => actionMatches(p, a))
          : notPatterns.length > 0 && !notPatterns.some((p) => actionMatches(p, a)),
      );
      if (!hit) continue;
      if ((st.Effect ?? '').toLowerCase() === 'deny') return 'Deny';
      if ((st.Effect ?? '').toLowerCase() === 'allow') allowed = true;
    }
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}
