import { ApiError, invalidParameter, missingParameter } from './errors.ts';

/** Typed access to the flattened RPC parameters of one request. */
export class Params {
  readonly raw: Record<string, string>;

  constructor(raw: Record<string, string>) {
    this.raw = raw;
  }

  str(name: string): string | undefined {
    const v = this.raw[name];
    return v === undefined || v === '' ? undefined : v;
  }

  req(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw missingParameter(name);
    return v;
  }

  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    const v = this.str(name);
    if (v === undefined) return fallback;
    if (!/^-?\d+$/.test(v))
      throw invalidParameter(name, `The specified parameter "${name}" is not a valid integer.`);
    return Number(v);
  }

  bool(name: string, fallback = false): boolean {
    const v = this.str(name);
    if (v === undefined) return fallback;
    if (v === 'true' || v === 'True') return true;
    if (v === 'false' || v === 'False') return false;
    throw invalidParameter(name, `The specified parameter "${name}" must be true or false.`);
  }

  /** A JSON array parameter such as `InstanceIds=["i-1","i-2"]`; a comma-separated string is accepted too. */
  jsonList(name: string): string[] | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (v.trim().startsWith('[')) {
      try {
        const parsed = JSON.parse(v) as unknown;
        if (Array.isArray(parsed)) return parsed.map(String);
      } catch {
        /* fallthrough */
      }
      throw new ApiError(`InvalidParameter`, `The specified parameter "${name}" is not a valid JSON array.`);
    }
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /** `Name.1`, `Name.2`, … in index order. */
  repeated(name: string): string[] {
    const out: Array<[number, string]> = [];
    const re = new RegExp(`^${name.replace(/\./g, '\\.')}\\.(\\d+)$`);
    for (const [k, v] of Object.entries(this.raw)) {
      const m = re.exec(k);
      if (m && v !== '') out.push([Number(m[1]), v]);
    }
    return out.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }

  /** `Name.1.Field`, … grouped per index. */
  structs(name: string): Array<Record<string, string>> {
    const groups = new Map<number, Record<string, string>>();
    const re = new RegExp(`^${name.replace(/\./g, '\\.')}\\.(\\d+)\\.(.+)$`);
    for (const [k, v] of Object.entries(this.raw)) {
      const m = re.exec(k);
      if (!m) continue;
      const i = Number(m[1]);
      const g = groups.get(i) ?? {};
      g[m[2] ?? ''] = v;
      groups.set(i, g);
    }
    return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => g);
  }

  /** `Tag.N.Key`/`Tag.N.Value`. */
  tags(name = 'Tag'): Array<{ key: string; value: string | undefined }> {
    return this.structs(name)
      .filter((t) => t.Key !== undefined && t.Key !== '')
      .map((t) => ({ key: t.Key ?? '', value: t.Value }));
  }

  /** `Tag.N.Key`/`Tag.N.Value` as a new resource stores them (a missing value is `''`). */
  tagMap(): Map<string, string> {
    return new Map(this.tags().map((t) => [t.key, t.value ?? '']));
  }
}

export interface PageResult<T> {
  items: T[];
  fields: Record<string, unknown>;
}

/**
 * PageNumber/PageSize pagination (PageSize capped at `max`), or NextToken/MaxResults where
 * the real API offers it (`MaxResults` raised to `minResults` where the API raises small pages).
 */
export function paginate<T>(
  all: T[],
  p: Params,
  opts: { nextToken?: boolean; defaultSize?: number; max?: number; minResults?: number } = {},
): PageResult<T> {
  const max = opts.max ?? 100;
  const def = opts.defaultSize ?? 10;
  if (opts.nextToken && (p.str('NextToken') !== undefined || p.str('MaxResults') !== undefined)) {
    const size = Math.min(Math.max(p.int('MaxResults', def), opts.minResults ?? 1), max);
    const token = p.str('NextToken');
    let offset = 0;
    if (token !== undefined) {
      const decoded = Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^o:/, ''));
      if (!Number.isInteger(decoded) || decoded < 0)
        throw new ApiError('InvalidNextToken', 'The specified NextToken is not valid.');
      offset = decoded;
    }
    const items = all.slice(offset, offset + size);
    const next = offset + size < all.length ? Buffer.from(`o:${offset + size}`).toString('base64url') : '';
    return { items, fields: { NextToken: next, TotalCount: all.length, MaxResults: size } };
  }
  const pageNumber = Math.max(p.int('PageNumber', 1), 1);
  const pageSize = Math.min(Math.max(p.int('PageSize', def), 1), max);
  const items = all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  const fields: Record<string, unknown> = {
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
  };
  if (opts.nextToken) fields.NextToken = '';
  return { items, fields };
}

/** Matches a resource's tags against `Tag.N.Key`/`Tag.N.Value` filters. */
export function matchesTags(
  tags: Map<string, string>,
  filters: Array<{ key: string; value: string | undefined }>,
): boolean {
  return filters.every(
    (f) => tags.has(f.key) && (f.value === undefined || f.value === '' || tags.get(f.key) === f.value),
  );
}

export function ecsTags(tags: Map<string, string>): { Tag: Array<{ TagKey: string; TagValue: string }> } {
  return { Tag: [...tags].map(([k, v]) => ({ TagKey: k, TagValue: v })) };
}

export function vpcTags(tags: Map<string, string>): { Tag: Array<{ Key: string; Value: string }> } {
  return { Tag: [...tags].map(([k, v]) => ({ Key: k, Value: v })) };
}
