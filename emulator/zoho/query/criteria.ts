/**
 * Search API criteria: `((Last_Name:equals:Burns\,B)and(First_Name:starts_with:M))`.
 * Escapes: `\(`, `\)`, `\,`, `\:`. `${EMPTY}` means empty. At most 10 conditions.
 */
import type { FieldDef, RecordRec } from '../model/types.js';
import type { ModuleState } from '../model/moduleState.js';
import { rawValue } from '../records/values.js';
import { parseZohoDateTime } from '../time.js';
import { CoqlError } from './coqlParser.js';
import { checkCriteriaOperator } from './encrypted.js';

type Node =
  { kind: 'and' | 'or'; items: Node[] } | { kind: 'cond'; field: string; op: string; value: string };

const OPS = new Set([
  'equals',
  'not_equal',
  'starts_with',
  'ends_with',
  'contains',
  'not_contains',
  'in',
  'not_in',
  'greater_than',
  'greater_equal',
  'less_than',
  'less_equal',
  'between',
]);

function invalid(reason: string, extra: Record<string, unknown> = {}): CoqlError {
  return new CoqlError('INVALID_QUERY', { reason, ...extra }, 'invalid query formed');
}

export function parseCriteria(s: string): Node {
  let i = 0;
  let count = 0;
  const group = (): Node => {
    if (s[i] !== '(') throw invalid('invalid criteria');
    i++;
    if (s[i] === '(') {
      const items: Node[] = [group()];
      let joiner: 'and' | 'or' | undefined;
      while (s[i] !== ')') {
        const m = /^(and|or)/i.exec(s.slice(i));
        if (!m || !m[1]) throw invalid('invalid criteria');
        const j = m[1].toLowerCase() as 'and' | 'or';
        if (joiner && joiner !== j) {
          // mixed and/or without parentheses: Zoho evaluates left to right; we nest.
          const left: Node = { kind: joiner, items: items.splice(0) };
          items.push(left);
        }
        joiner = j;
        i += m[1].length;
        items.push(group());
        if (i >= s.length) throw invalid('invalid criteria');
      }
      i++;
      return items.length === 1 ? (items[0] as Node) : { kind: joiner ?? 'and', items };
    }
    let body = '';
    while (i < s.length && s[i] !== ')') {
      if (s[i] === '\\' && i + 1 < s.length) {
        body += s[i] + (s[i + 1] ?? '');
        i += 2;
      } else body += s[i++];
    }
    if (s[i] !== ')') throw invalid('invalid criteria');
    i++;
    const parts = splitUnescaped(body, ':');
    if (parts.length < 3) throw invalid('invalid criteria');
    const [field, op, ...rest] = parts as [string, string, ...string[]];
    if (!OPS.has(op.toLowerCase()))
      throw invalid('invalid operator found', { api_name: field, operator: op });
    count++;
    if (count > 10) throw new CoqlError('LIMIT_EXCEEDED', { limit: 10 }, 'criteria limit exceeded');
    return { kind: 'cond', field: field.trim(), op: op.toLowerCase(), value: rest.join(':') };
  };
  const n = group();
  if (i !== s.length) throw invalid('invalid criteria');
  return n;
}

function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (c === '\\' && i + 1 < s.length) {
      cur += c + (s[i + 1] ?? '');
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function unescape(s: string): string {
  const v = s.replace(/\\(.)/g, '$1');
  return v === '${EMPTY}' ? '' : v;
}

function norm(f: FieldDef, raw: string): unknown {
  if (f.dataType === 'datetime') {
    const ms = parseZohoDateTime(raw);
    if (ms === undefined) throw invalid('invalid datetime value', { api_name: f.apiName });
    return ms;
  }
  if (['integer', 'bigint', 'double', 'currency', 'percent'].includes(f.dataType)) return Number(raw);
  if (f.dataType === 'boolean') return raw === 'true';
  return raw.toLowerCase();
}

export function compileCriteria(mod: ModuleState, n: Node): (r: RecordRec) => boolean {
  if (n.kind !== 'cond') {
    const ps = n.items.map((x) => compileCriteria(mod, x));
    return n.kind === 'and' ? (r) => ps.every((p) => p(r)) : (r) => ps.some((p) => p(r));
  }
  const isId = n.field.toLowerCase() === 'id';
  const f = isId ? undefined : mod.field(n.field);
  if (!isId && !f) throw invalid('invalid field found', { api_name: n.field });
  if (f) checkCriteriaOperator(f, n.op);
  const values =
    n.op === 'in' || n.op === 'not_in' || n.op === 'between'
      ? splitUnescaped(n.value, ',').map(unescape)
      : [unescape(n.value)];
  const lits = values.map((v) => (f ? norm(f, v) : v));
  const get = (r: RecordRec): unknown => {
    if (!f) return r.id;
    const v = rawValue(f, r);
    if (typeof v === 'string') return v.toLowerCase();
    if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x.toLowerCase() : x));
    return v;
  };
  const lit = lits[0];
  const eqOne = (v: unknown, l: unknown) =>
    Array.isArray(v) ? v.includes(l) : v === l || (l === '' && (v === null || v === undefined));
  switch (n.op) {
    case 'equals':
      return (r) => eqOne(get(r), lit);
    case 'not_equal':
      return (r) => !eqOne(get(r), lit);
    case 'in':
      return (r) => lits.some((l) => eqOne(get(r), l));
    case 'not_in':
      return (r) => !lits.some((l) => eqOne(get(r), l));
    case 'starts_with':
      return (r) => typeof get(r) === 'string' && (get(r) as string).startsWith(String(lit));
    case 'ends_with':
      return (r) => typeof get(r) === 'string' && (get(r) as string).endsWith(String(lit));
    case 'contains':
      return (r) => typeof get(r) === 'string' && (get(r) as string).includes(String(lit));
    case 'not_contains':
      return (r) => !(typeof get(r) === 'string' && (get(r) as string).includes(String(lit)));
    case 'between':
      return (r) => {
        const v = get(r) as number;
        return v !== null && v !== undefined && v >= (lits[0] as number) && v <= (lits[1] as number);
      };
    default: {
      const op = n.op;
      return (r) => {
        const v = get(r);
        if (v === null || v === undefined) return false;
        const a = v as number;
        const b = lit as number;
        return op === 'greater_than'
          ? a > b
          : op === 'greater_equal'
            ? a >= b
            : op === 'less_than'
              ? a < b
              : a <= b;
      };
    }
  }
}
