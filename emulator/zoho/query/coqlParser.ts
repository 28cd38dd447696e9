/**
 * COQL (CRM Object Query Language) as Zoho v7+ accepts it, for the subset a sync engine uses:
 * `select f1, f2 from Module where (A in ('x','y') or B = 'z') and Modified_Time >= '…'
 *  order by id asc limit N offset M`. Up to 50 values in `in`, 25 conditions, 2,000 rows a call;
 * more than two criteria must be grouped in pairs with parentheses.
 */

export class CoqlError extends Error {
  constructor(
    readonly code: string,
    readonly details: Record<string, unknown>,
    message: string,
  ) {
    super(message);
  }
}

export type Lit = string | number | boolean | null;

export type Cond =
  | { kind: 'cmp'; field: string; op: '=' | '!=' | '<' | '>' | '<=' | '>='; value: Lit; pos: number }
  | { kind: 'in'; field: string; not: boolean; values: Lit[]; pos: number }
  | { kind: 'like'; field: string; not: boolean; pattern: string; pos: number }
  | { kind: 'null'; field: string; not: boolean; pos: number }
  | { kind: 'between'; field: string; not: boolean; lo: Lit; hi: Lit; pos: number };

export type Expr =
  Cond | { kind: 'and'; items: Expr[]; grouped?: boolean } | { kind: 'or'; items: Expr[]; grouped?: boolean };

export interface CoqlQuery {
  fields: { name: string; pos: number }[];
  module: string;
  where: Expr | undefined;
  orderBy: { field: string; desc: boolean; pos: number }[];
  limit: number;
  offset: number;
}

/** Zoho documents 100 values per `in` since v7 (50 before); the product relies on 50. */
export const COQL_MAX_IN = 50;
export const COQL_MAX_SELECT = 500;
export const COQL_MAX_LIMIT = 2000;
export const COQL_MAX_CONDITIONS = 25;

interface Tok {
  t: 'ident' | 'str' | 'num' | 'op' | 'lp' | 'rp' | 'comma' | 'eof';
  v: string;
  pos: number;
}

function syntax(near: string, pos: number, clause: string): CoqlError {
  return new CoqlError(
    'SYNTAX_ERROR',
    { clause, near, line: 1, column: pos + 1 },
    'error occured while parsing the query',
  );
}

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '(') {
      out.push({ t: 'lp', v: c, pos: i++ });
    } else if (c === ')') {
      out.push({ t: 'rp', v: c, pos: i++ });
    } else if (c === ',') {
      out.push({ t: 'comma', v: c, pos: i++ });
    } else if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= q.length) throw syntax(q.slice(start, start + 20), start, 'where');
        const ch = q.charAt(i);
        if (ch === '\\' && i + 1 < q.length) {
          s += q.charAt(i + 1);
          i += 2;
        } else if (ch === "'") {
          if (q.charAt(i + 1) === "'") {
            s += "'";
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          s += ch;
          i++;
        }
      }
      out.push({ t: 'str', v: s, pos: start });
    } else if (/[=!<>]/.test(c)) {
      const two = q.slice(i, i + 2);
      if (['!=', '<=', '>=', '<>'].includes(two)) {
        out.push({ t: 'op', v: two === '<>' ? '!=' : two, pos: i });
        i += 2;
      } else if (c === '!') {
        throw syntax(two, i, 'where');
      } else {
        out.push({ t: 'op', v: c, pos: i++ });
      }
    } else if (/[-0-9]/.test(c) && /^-?\d/.test(q.slice(i, i + 2))) {
      const m = /^-?\d+(\.\d+)?/.exec(q.slice(i));
      const v = m ? m[0] : c;
      out.push({ t: 'num', v, pos: i });
      i += v.length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$.]*/.exec(q.slice(i));
      const v = m ? m[0] : c;
      out.push({ t: 'ident', v, pos: i });
      i += v.length;
    } else {
      throw syntax(q.slice(i, i + 20), i, 'select');
    }
  }
  out.push({ t: 'eof', v: '', pos: q.length });
  return out;
}

class Parser {
  #i = 0;
  #toks: Tok[];
  conditions = 0;
  constructor(toks: Tok[]) {
    this.#toks = toks;
  }

  peek(): Tok {
    return this.#toks[this.#i] ?? { t: 'eof', v: '', pos: 0 };
  }
  next(): Tok {
    const t = this.peek();
    this.#i++;
    return t;
  }
  isKw(kw: string): boolean {
    const t = this.peek();
    return t.t === 'ident' && t.v.toLowerCase() === kw;
  }
  expectKw(kw: string, clause: string): Tok {
    const t = this.next();
    if (t.t !== 'ident' || t.v.toLowerCase() !== kw) throw syntax(t.v, t.pos, clause);
    return t;
  }

  parse(): CoqlQuery {
    this.expectKw('select', 'select');
    const fields: { name: string; pos: number }[] = [];
    for (;;) {
      const t = this.next();
      // Column names may be quoted (needed for reserved words such as 'External').
      if ((t.t !== 'ident' && t.t !== 'str') || (t.t === 'ident' && t.v.toLowerCase() === 'from'))
        throw syntax(t.v, t.pos, 'select');
      fields.push({ name: t.v, pos: t.pos });
      if (this.peek().t === 'comma') {
        this.next();
        continue;
      }
      break;
    }
    this.expectKw('from', 'from');
    const m = this.next();
    if (m.t !== 'ident') throw syntax(m.v, m.pos, 'from');
    // WHERE is mandatory: Zoho answers SYNTAX_ERROR to a query without it ("does not contain either
    // proper criteria, base table, or the where clause"; a full scan says `where id is not null`).
    const w = this.peek();
    if (!this.isKw('where')) throw syntax(w.v, w.pos, 'where');
    this.next();
    const where: Expr | undefined = this.parseOr();
    const orderBy: CoqlQuery['orderBy'] = [];
    if (this.isKw('order')) {
      this.next();
      this.expectKw('by', 'order by');
      for (;;) {
        const f = this.next();
        if (f.t !== 'ident') throw syntax(f.v, f.pos, 'order by');
        let desc = false;
        if (this.isKw('asc')) this.next();
        else if (this.isKw('desc')) {
          this.next();
          desc = true;
        }
        orderBy.push({ field: f.v, desc, pos: f.pos });
        if (this.peek().t === 'comma') {
          this.next();
          continue;
        }
        break;
      }
    }
    let limit = 200;
    let offset = 0;
    if (this.isKw('limit')) {
      this.next();
      const a = this.next();
      if (a.t !== 'num') throw syntax(a.v, a.pos, 'limit');
      if (this.peek().t === 'comma') {
        this.next();
        const b = this.next();
        if (b.t !== 'num') throw syntax(b.v, b.pos, 'limit');
        offset = Number(a.v);
        limit = Number(b.v);
      } else {
        limit = Number(a.v);
      }
      if (this.isKw('offset')) {
        this.next();
        const o = this.next();
        if (o.t !== 'num') throw syntax(o.v, o.pos, 'offset');
        offset = Number(o.v);
      }
    }
    const end = this.next();
    if (end.t !== 'eof') throw syntax(end.v, end.pos, 'limit');
    if (!Number.isInteger(limit) || limit < 1) throw syntax(String(limit), 0, 'limit');
    if (limit > COQL_MAX_LIMIT)
      throw new CoqlError('LIMIT_EXCEEDED', { clause: 'limit', limit: COQL_MAX_LIMIT }, 'limit exceeded');
    if (!Number.isInteger(offset) || offset < 0) throw syntax(String(offset), 0, 'offset');
    if (offset + limit > 100000)
      throw new CoqlError('LIMIT_EXCEEDED', { clause: 'offset', limit: 100000 }, 'limit exceeded');
    return { fields, module: m.v, where, orderBy, limit, offset };
  }

  /**
   * Zoho accepts at most two criteria per level: more must be grouped in pairs with parentheses,
   * `((A and B) and C)`; `A and B and C` or `A and B or C` is a syntax error.
   */
  #pair(kind: 'and' | 'or', items: Expr[], at: Tok): Expr {
    if (items.length === 1) return items[0] as Expr;
    const ungrouped = items.some((x) => (x.kind === 'and' || x.kind === 'or') && !x.grouped);
    if (items.length > 2 || ungrouped) throw syntax(at.v, at.pos, 'where');
    return { kind, items };
  }

  parseOr(): Expr {
    const items = [this.parseAnd()];
    let at = this.peek();
    while (this.isKw('or')) {
      at = this.next();
      items.push(this.parseAnd());
    }
    return this.#pair('or', items, at);
  }

  parseAnd(): Expr {
    const items = [this.parseFactor()];
    let at = this.peek();
    while (this.isKw('and')) {
      at = this.next();
      items.push(this.parseFactor());
    }
    return this.#pair('and', items, at);
  }

  parseFactor(): Expr {
    if (this.peek().t === 'lp') {
      this.next();
      const e = this.parseOr();
      const r = this.next();
      if (r.t !== 'rp') throw syntax(r.v, r.pos, 'where');
      return e.kind === 'and' || e.kind === 'or' ? { ...e, grouped: true } : e;
    }
    return this.parseCond();
  }

  literal(): Lit {
    const t = this.next();
    if (t.t === 'str') return t.v;
    // A 19-digit record id is beyond a double's precision: whole numbers that are not safe integers
    // stay text (compared as numbers by the evaluator), so `id > 5725767000000123456` is exact.
    if (t.t === 'num') return /^-?\d+$/.test(t.v) && !Number.isSafeInteger(Number(t.v)) ? t.v : Number(t.v);
    if (t.t === 'ident') {
      const k = t.v.toLowerCase();
      if (k === 'true') return true;
      if (k === 'false') return false;
      if (k === 'null') return null;
    }
    throw syntax(t.v, t.pos, 'where');
  }

  parseCond(): Cond {
    const f = this.next();
    if (f.t !== 'ident') throw syntax(f.v, f.pos, 'where');
    this.conditions++;
    if (this.conditions > COQL_MAX_CONDITIONS) {
      throw new CoqlError(
        'LIMIT_EXCEEDED',
        { clause: 'where', limit: COQL_MAX_CONDITIONS },
        'limit exceeded',
      );
    }
    const t = this.peek();
    if (t.t === 'op') {
      this.next();
      return { kind: 'cmp', field: f.v, op: t.v as '=', value: this.literal(), pos: f.pos };
    }
    let not = false;
    if (this.isKw('not')) {
      this.next();
      not = true;
    }
    if (this.isKw('in')) {
      this.next();
      const lp = this.next();
      if (lp.t !== 'lp') throw syntax(lp.v, lp.pos, 'where');
      const values: Lit[] = [];
      for (;;) {
        values.push(this.literal());
        const sep = this.next();
        if (sep.t === 'comma') continue;
        if (sep.t === 'rp') break;
        throw syntax(sep.v, sep.pos, 'where');
      }
      if (values.length > COQL_MAX_IN) {
        throw new CoqlError(
          'LIMIT_EXCEEDED',
          { clause: 'where', operator: 'in', limit: COQL_MAX_IN, column_name: f.v },
          'limit exceeded',
        );
      }
      return { kind: 'in', field: f.v, not, values, pos: f.pos };
    }
    if (this.isKw('like')) {
      this.next();
      const p = this.next();
      if (p.t !== 'str') throw syntax(p.v, p.pos, 'where');
      return { kind: 'like', field: f.v, not, pattern: p.v, pos: f.pos };
    }
    if (this.isKw('between')) {
      this.next();
      const lo = this.literal();
      this.expectKw('and', 'where');
      const hi = this.literal();
      return { kind: 'between', field: f.v, not, lo, hi, pos: f.pos };
    }
    if (!not && this.isKw('is')) {
      this.next();
      let isNot = false;
      if (this.isKw('not')) {
        this.next();
        isNot = true;
      }
      this.expectKw('null', 'where');
      return { kind: 'null', field: f.v, not: isNot, pos: f.pos };
    }
    throw syntax(t.v, t.pos, 'where');
  }
}

export function parseCoql(q: string): CoqlQuery {
  if (typeof q !== 'string' || q.trim() === '') {
    throw new CoqlError(
      'SYNTAX_ERROR',
      { clause: 'select', line: 1, column: 1 },
      'error occured while parsing the query',
    );
  }
  return new Parser(tokenize(q)).parse();
}
