/**
 * COQL evaluation: the parsed WHERE compiled to a predicate over records (unknown columns refused
 * with INVALID_QUERY as Zoho does), candidates from the value index, ORDER BY and SELECT resolution.
 */
import type { FieldDef, RecordRec } from '../model/types.js';
import type { ModuleState } from '../model/moduleState.js';
import { rawValue } from '../records/values.js';
import { parseZohoDateTime } from '../time.js';
import { COQL_MAX_SELECT, CoqlError, type Cond, type CoqlQuery, type Expr, type Lit } from './coqlParser.js';
import { checkCoqlOperator } from './encrypted.js';

function invalidColumn(name: string, pos: number, clause: string): CoqlError {
  return new CoqlError(
    'INVALID_QUERY',
    { column_name: name, clause, line: 1, column: pos + 1, reason: 'column given seems to be invalid' },
    'Invalid query formed',
  );
}

function resolve(mod: ModuleState, name: string, pos: number, clause: string): FieldDef | 'id' {
  if (name.toLowerCase() === 'id') return 'id';
  const f = mod.field(name);
  if (!f) throw invalidColumn(name, pos, clause);
  return f;
}

function comparable(f: FieldDef | 'id', lit: Lit, pos: number): unknown {
  if (lit === null) return null;
  if (f === 'id') return String(lit);
  if (f.dataType === 'datetime') {
    const ms = typeof lit === 'string' ? parseZohoDateTime(lit) : undefined;
    if (ms === undefined) {
      throw new CoqlError(
        'INVALID_QUERY',
        {
          column_name: f.apiName,
          clause: 'where',
          line: 1,
          column: pos + 1,
          reason: 'invalid value given for the datetime field',
        },
        'Invalid query formed',
      );
    }
    return ms;
  }
  if (['integer', 'bigint', 'double', 'currency', 'percent'].includes(f.dataType))
    return typeof lit === 'number' ? lit : Number(lit);
  if (f.dataType === 'boolean') return lit === true || lit === 'true';
  return typeof lit === 'string' ? lit.toLowerCase() : String(lit).toLowerCase();
}

function recValue(f: FieldDef | 'id', rec: RecordRec): unknown {
  if (f === 'id') return rec.id;
  const v = rawValue(f, rec);
  if (typeof v === 'string') return v.toLowerCase();
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x.toLowerCase() : x));
  return v;
}

function cmp(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (
    typeof a === 'string' &&
    typeof b === 'string' &&
    /^\d+$/.test(a) &&
    /^\d+$/.test(b) &&
    a.length !== b.length
  )
    return a.length - b.length;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function eq(v: unknown, lit: unknown): boolean {
  if (Array.isArray(v)) return v.some((x) => cmp(x, lit) === 0);
  return v !== null && v !== undefined && cmp(v, lit) === 0;
}

function likeToRegex(p: string): RegExp {
  const esc = p
    .toLowerCase()
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${esc}$`, 's');
}

export type Pred = (rec: RecordRec) => boolean;

/** A condition's operator as written (`=`, `in`, `not like`, `is null`…), for errors. */
function operatorOf(e: Cond): string {
  switch (e.kind) {
    case 'cmp':
      return e.value === null ? (e.op === '=' ? 'is null' : 'is not null') : e.op;
    case 'null':
      return e.not ? 'is not null' : 'is null';
    default:
      return e.not ? `not ${e.kind}` : e.kind;
  }
}

/** Compiles the where-expression (resolving fields, throwing INVALID_QUERY for unknown ones). */
export function compile(mod: ModuleState, e: Expr): Pred {
  if (e.kind === 'and' || e.kind === 'or') {
    const ps = e.items.map((x) => compile(mod, x));
    return e.kind === 'and' ? (r) => ps.every((p) => p(r)) : (r) => ps.some((p) => p(r));
  }
  const f = resolve(mod, e.field, e.pos, 'where');
  checkCoqlOperator(f, operatorOf(e), e.pos);
  switch (e.kind) {
    case 'cmp': {
      const lit = comparable(f, e.value, e.pos);
      if (lit === null) return (r) => (e.op === '=' ? recValue(f, r) === null : recValue(f, r) !== null);
      switch (e.op) {
        case '=':
          return (r) => eq(recValue(f, r), lit);
        case '!=':
          return (r) => !eq(recValue(f, r), lit);
        default: {
          const op = e.op;
          return (r) => {
            const v = recValue(f, r);
            if (v === null || v === undefined) return false;
            const c = cmp(v, lit);
            return op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c >= 0;
          };
        }
      }
    }
    case 'in': {
      const lits = e.values.map((x) => comparable(f, x, e.pos));
      return (r) => {
        const v = recValue(f, r);
        const hit = lits.some((l) => eq(v, l));
        return e.not ? !hit && v !== null : hit;
      };
    }
    case 'like': {
      const re = likeToRegex(e.pattern);
      return (r) => {
        const v = recValue(f, r);
        const hit = typeof v === 'string' && re.test(v);
        return e.not ? !hit : hit;
      };
    }
    case 'null':
      return (r) => {
        const v = recValue(f, r);
        const isNull = v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
        return e.not ? !isNull : isNull;
      };
    case 'between': {
      const lo = comparable(f, e.lo, e.pos);
      const hi = comparable(f, e.hi, e.pos);
      return (r) => {
        const v = recValue(f, r);
        if (v === null || v === undefined) return false;
        const inside = cmp(v, lo) >= 0 && cmp(v, hi) <= 0;
        return e.not ? !inside : inside;
      };
    }
  }
}

/**
 * The id every match is above, when the WHERE says so at its top (`id > X`, `id >= X`, alone or
 * ANDed): an id-ordered scan starts there. Undefined when the WHERE sets no such bound.
 */
export function idLowerBound(e: Expr): string | undefined {
  if (e.kind === 'and') {
    const bounds = e.items.map(idLowerBound).filter((b): b is string => b !== undefined);
    return bounds.sort((a, b) => cmp(a, b)).pop();
  }
  if (e.kind !== 'cmp' || e.field.toLowerCase() !== 'id' || (e.op !== '>' && e.op !== '>=')) return undefined;
  const v = e.value === null ? '' : String(e.value);
  if (!/^\d{1,25}$/.test(v)) return undefined;
  return e.op === '>' ? v : (BigInt(v) - 1n).toString();
}

/** Candidate record ids from the value index, or undefined when the expression needs a scan. */
export function candidates(mod: ModuleState, e: Expr): Set<string> | undefined {
  if (e.kind === 'or') {
    const out = new Set<string>();
    for (const it of e.items) {
      const c = candidates(mod, it);
      if (!c) return undefined;
      for (const id of c) out.add(id);
    }
    return out;
  }
  if (e.kind === 'and') {
    let best: Set<string> | undefined;
    for (const it of e.items) {
      const c = candidates(mod, it);
      if (c && (!best || c.size < best.size)) best = c;
    }
    return best;
  }
  if (e.kind !== 'cmp' && e.kind !== 'in') return undefined;
  if (e.kind === 'cmp' && e.op !== '=') return undefined;
  if (e.kind === 'in' && e.not) return undefined;
  const f = mod.field(e.field);
  if (!f || f.readOnly || f.apiName === 'Owner' || f.dataType === 'datetime') return undefined;
  const lits = e.kind === 'cmp' ? [e.value] : e.values;
  const out = new Set<string>();
  for (const l of lits) {
    if (l === null) return undefined;
    for (const id of mod.lookup(f.apiName, l) ?? []) out.add(id);
  }
  return out;
}

const COQL_MAX_ORDER_BY = 10;

export function sorter(
  mod: ModuleState,
  orderBy: CoqlQuery['orderBy'],
): (a: RecordRec, b: RecordRec) => number {
  // Zoho's v8 COQL limits: at most 10 ORDER BY fields, none twice (DUPLICATE_DATA).
  if (orderBy.length > COQL_MAX_ORDER_BY)
    throw new CoqlError('LIMIT_EXCEEDED', { clause: 'order by', limit: COQL_MAX_ORDER_BY }, 'limit exceeded');
  const keys = orderBy.map((o) => ({ f: resolve(mod, o.field, o.pos, 'order by'), desc: o.desc }));
  const names = keys.map((k) => (k.f === 'id' ? 'id' : k.f.apiName));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined)
    throw new CoqlError('DUPLICATE_DATA', { clause: 'order by', column_name: twice }, 'duplicate data');
  if (keys.length === 0) keys.push({ f: 'id', desc: false });
  return (a, b) => {
    for (const k of keys) {
      const va = recValue(k.f, a);
      const vb = recValue(k.f, b);
      let c: number;
      if (va === null || va === undefined) c = vb === null || vb === undefined ? 0 : -1;
      else if (vb === null || vb === undefined) c = 1;
      else c = cmp(va, vb);
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  };
}

export function resolveSelect(mod: ModuleState, q: CoqlQuery): (FieldDef | 'id')[] {
  if (q.fields.length > COQL_MAX_SELECT)
    throw new CoqlError('LIMIT_EXCEEDED', { clause: 'select', limit: COQL_MAX_SELECT }, 'limit exceeded');
  return q.fields.map((f) => resolve(mod, f.name, f.pos, 'select'));
}
