import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  visit,
} from 'yaml';

export type KeyPath = (string | number)[];

/** `providers.packer.alibaba.region` style, with `[n]` for list items and quotes for odd keys. */
export function formatPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export interface Position {
  line: number;
  column: number;
}

export interface YamlIssue {
  offset: number;
  /** Offset whose key path names the problem (defaults to offset). */
  pathOffset?: number;
  message: string;
  hint?: string;
}

export interface ParsedYaml {
  /** The plain data, or undefined when the text has YAML errors. */
  data: unknown;
  issues: YamlIssue[];
  position(offset: number): Position;
  /** Position of the node at `path`: a scalar's value, otherwise the key that holds it. */
  locate(path: KeyPath, mode?: 'auto' | 'key'): Position | undefined;
  /** Like locate, but falls back to the deepest ancestor present in the file. */
  locateNearest(path: KeyPath, mode?: 'auto' | 'key'): Position;
  /** Key path of the innermost node containing `offset`. */
  pathAt(offset: number): KeyPath;
}

const ISSUE_HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'remove or merge the repeated key',
  TAB_AS_INDENT: 'indent with spaces; YAML does not allow tabs',
  BAD_INDENT: 'check the indentation of this line',
  MULTIPLE_DOCS: 'keep a single YAML document (remove the extra ---)',
};

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').trim();
}

function findPair(map: unknown, key: string | number): Pair<unknown, unknown> | undefined {
  if (!isMap(map)) return undefined;
  for (const pair of map.items) {
    if (isScalar(pair.key) && String(pair.key.value) === String(key)) return pair;
  }
  return undefined;
}

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    keepSourceTokens: true,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const position = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const issues: YamlIssue[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    const hint = ISSUE_HINTS[e.code];
    const message = firstLine(e.message);
    let offset = e.pos[0];
    let pathOffset: number | undefined;
    if (e.code === 'MISSING_CHAR' || (e.code === 'BAD_INDENT' && /end with an? [\]}]/.test(message))) {
      // An unclosed quote or bracket is noticed where the next thing starts; point just after the
      // text that should have been closed instead.
      let last = Math.min(offset, text.length) - 1;
      while (last >= 0 && /\s/.test(text[last] ?? '')) last--;
      if (last >= 0) {
        offset = last + 1;
        pathOffset = last;
      }
    }
    issues.push({
      offset,
      message,
      ...(pathOffset !== undefined ? { pathOffset } : {}),
      ...(hint ? { hint } : {}),
    });
  }
  if (issues.length === 0) checkTree(doc, issues);
  let data: unknown;
  if (issues.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      const bomb = /resource exhaustion/.test((err as Error).message) ? aliasOverLimit(doc) : undefined;
      issues.push(
        bomb
          ? {
              offset: bomb.range?.[0] ?? 0,
              message: `alias *${bomb.source} expands past ${MAX_ALIAS_COUNT} aliased values (aliases of aliases multiply); the document is not read`,
              hint: `write the values out instead of nesting aliases, or use fewer of them`,
            }
          : { offset: 0, message: `cannot read the document: ${(err as Error).message}` },
      );
    }
  }

  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);

  const walk = (path: KeyPath): { node: unknown; pair?: Pair<unknown, unknown>; depth: number } => {
    let node: unknown = doc.contents;
    let pair: Pair<unknown, unknown> | undefined;
    let depth = 0;
    for (const seg of path) {
      const cur = resolve(node);
      if (isMap(cur)) {
        const p = findPair(cur, seg);
        if (!p) break;
        pair = p;
        node = p.value;
      } else if (isSeq(cur) && typeof seg === 'number' && seg < cur.items.length) {
        pair = undefined;
        node = cur.items[seg];
      } else {
        break;
      }
      depth++;
    }
    return { node, depth, ...(pair ? { pair } : {}) };
  };

  const nodeStart = (node: unknown): number | undefined => {
    const range = (node as Node | null)?.range;
    return range ? range[0] : undefined;
  };

  const posOf = (found: { node: unknown; pair?: Pair<unknown, unknown> }, mode: 'auto' | 'key'): Position => {
    const { node, pair } = found;
    const keyStart = pair ? nodeStart(pair.key) : undefined;
    const empty = node === null || node === undefined || (isScalar(node) && node.value === null);
    const useKey = mode === 'key' || empty || isMap(node) || isSeq(node);
    const offset = useKey && keyStart !== undefined ? keyStart : (nodeStart(node) ?? keyStart ?? 0);
    return position(offset);
  };

  return {
    data,
    issues,
    position,
    locate(path, mode = 'auto') {
      const found = walk(path);
      if (found.depth < path.length) return undefined;
      return posOf(found, mode);
    },
    locateNearest(path, mode = 'auto') {
      const found = walk(path);
      return posOf(found, found.depth < path.length ? 'key' : mode);
    },
    pathAt(offset) {
      const path: KeyPath = [];
      let node: unknown = doc.contents;
      for (let guard = 0; guard < 64; guard++) {
        const cur = resolve(node);
        let next: unknown;
        if (isMap(cur)) {
          for (const pair of cur.items) {
            const start = nodeStart(pair.key) ?? nodeStart(pair.value);
            const end = ((pair.value as Node | null)?.range ?? (pair.key as Node | null)?.range)?.[2];
            if (start !== undefined && end !== undefined && offset >= start && offset < end) {
              if (!isScalar(pair.key)) break;
              path.push(String(pair.key.value));
              next = pair.value;
              break;
            }
          }
        } else if (isSeq(cur)) {
          cur.items.forEach((item, i) => {
            const r = (item as Node | null)?.range;
            if (next === undefined && r && offset >= r[0] && offset < r[2]) {
              path.push(i);
              next = item;
            }
          });
        }
        if (next === undefined) break;
        node = next;
      }
      return path;
    },
  };
}

/** The yaml library's maxAliasCount: how many values aliases may expand to in all. */
export const MAX_ALIAS_COUNT = 100;

/**
 * The alias at which the yaml library stopped expanding the document (it says only that it did): the
 * expansion runs once more with each alias's resolution watched, and the one that throws is named.
 */
function aliasOverLimit(doc: Document): Alias | undefined {
  let culprit: Alias | undefined;
  visit(doc, {
    Alias(_key, node) {
      const resolve = node.resolve.bind(node);
      node.resolve = ((...args: Parameters<Alias['resolve']>) => {
        try {
          return resolve(...args);
        } catch (err) {
          culprit ??= node;
          throw err;
        }
      }) as Alias['resolve'];
    },
  });
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    // Expected: the same error as before, now with its alias known.
  }
  return culprit;
}

const PLAIN_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`),
);

/** Problems the parser accepts but a configuration must not have: aliases to nowhere, non-scalar keys, custom tags. */
function checkTree(doc: Document, issues: YamlIssue[]): void {
  visit(doc, {
    Alias(_key, node) {
      if (!node.resolve(doc)) {
        issues.push({
          offset: node.range?.[0] ?? 0,
          message: `alias *${node.source} refers to an anchor &${node.source} that is not defined before it`,
          hint: `define &${node.source} earlier in the file, or replace the alias with a value`,
        });
      }
    },
    Pair(_key, pair) {
      if (isPair(pair) && pair.key !== null && !isScalar(pair.key) && !isAlias(pair.key)) {
        issues.push({
          offset: (pair.key as Node).range?.[0] ?? 0,
          message: 'keys must be plain names, not lists or mappings',
        });
      }
    },
    Node(_key, node) {
      if (node.tag && !PLAIN_TAGS.has(node.tag)) {
        issues.push({
          offset: node.range?.[0] ?? 0,
          message: `unsupported YAML tag ${node.tag}`,
          hint: 'remove the tag',
        });
      }
    },
  });
}
