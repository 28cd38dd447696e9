/**
 * The part of PromQL the dashboard uses, evaluated over a series of scrapes, so that the dashboard's
 * panels can be drawn from a real connector where Grafana and Prometheus are not available:
 *   sum|max by (labels) (expr), rate(m[w]), increase(m[w]), histogram_quantile(q, expr), m, a / b.
 * Range windows (`[5m]`, `[$__rate_interval]`) are replaced by the caller's window.
 */
import type { Sample } from './exposition.js';

export interface Scrape {
  /** epoch ms */
  at: number;
  samples: Sample[];
}
export interface Point {
  labels: Record<string, string>;
  value: number;
}

type Node =
  | { kind: 'metric'; name: string }
  | { kind: 'range'; fn: 'rate' | 'increase'; name: string }
  | { kind: 'agg'; op: 'sum' | 'max'; by: string[]; arg: Node }
  | { kind: 'quantile'; q: number; arg: Node }
  | { kind: 'div'; left: Node; right: Node };

const TOKEN = /\s*(\$__\w+|\d+[smhdw]\b|[A-Za-z_:][\w:]*|\d+(?:\.\d+)?|[(),/[\]{}])/y;

export function parsePromql(expr: string): Node {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.trim().length) {
    const m = TOKEN.exec(expr);
    if (!m) throw new Error(`cannot read "${expr.slice(TOKEN.lastIndex)}" in ${expr}`);
    tokens.push(m[1]!);
  }
  let i = 0;
  const peek = () => tokens[i];
  const take = (want?: string) => {
    const t = tokens[i++];
    if (t === undefined || (want !== undefined && t !== want))
      throw new Error(`expected ${want ?? 'more'} at token ${i} of ${expr}`);
    return t;
  };
  const primary = (): Node => {
    const t = take();
    if (t === '(') {
      const inner = division();
      take(')');
      return inner;
    }
    if (t === 'sum' || t === 'max') {
      take('by');
      take('(');
      const by: string[] = [];
      while (peek() !== ')') {
        by.push(take());
        if (peek() === ',') take(',');
      }
      take(')');
      take('(');
      const arg = division();
      take(')');
      return { kind: 'agg', op: t, by, arg };
    }
    if (t === 'rate' || t === 'increase') {
      take('(');
      const name = take();
      take('[');
      take(); // the window: the caller's
      take(']');
      take(')');
      return { kind: 'range', fn: t, name };
    }
    if (t === 'histogram_quantile') {
      take('(');
      const q = Number(take());
      take(',');
      const arg = division();
      take(')');
      return { kind: 'quantile', q, arg };
    }
    if (/^[A-Za-z_:]/.test(t)) return { kind: 'metric', name: t };
    throw new Error(`unexpected "${t}" in ${expr}`);
  };
  const division = (): Node => {
    let left = primary();
    while (peek() === '/') {
      take('/');
      left = { kind: 'div', left, right: primary() };
    }
    return left;
  };
  const node = division();
  if (i !== tokens.length) throw new Error(`unexpected "${tokens[i]}" in ${expr}`);
  return node;
}

/** Metric names an expression reads (histograms by their _bucket series). */
export function metricsOf(node: Node): string[] {
  switch (node.kind) {
    case 'metric':
    case 'range':
      return [node.name];
    case 'agg':
    case 'quantile':
      return metricsOf(node.arg);
    case 'div':
      return [...metricsOf(node.left), ...metricsOf(node.right)];
  }
}

const key = (labels: Record<string, string>) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

/** The expression's value at scrape `index`, with range functions over the last `windowMs`. */
export function evaluate(node: Node, scrapes: Scrape[], index: number, windowMs: number): Point[] {
  const now = scrapes[index]!;
  switch (node.kind) {
    case 'metric':
      return now.samples
        .filter((s) => s.name === node.name)
        .map((s) => ({ labels: s.labels, value: s.value }));
    case 'range': {
      let from = index;
      while (from > 0 && now.at - scrapes[from - 1]!.at <= windowMs) from -= 1;
      if (from === index) return [];
      const before = new Map(
        scrapes[from]!.samples.filter((s) => s.name === node.name).map((s) => [key(s.labels), s.value]),
      );
      const seconds = (now.at - scrapes[from]!.at) / 1000;
      return now.samples
        .filter((s) => s.name === node.name)
        .map((s) => {
          const old = before.get(key(s.labels)) ?? 0;
          const delta = s.value >= old ? s.value - old : s.value; // a counter reset starts from 0
          return { labels: s.labels, value: node.fn === 'rate' ? delta / seconds : delta };
        });
    }
    case 'agg': {
      const groups = new Map<string, Point>();
      for (const p of evaluate(node.arg, scrapes, index, windowMs)) {
        const labels = Object.fromEntries(node.by.map((l) => [l, p.labels[l] ?? '']));
        const g = groups.get(key(labels));
        if (!g) groups.set(key(labels), { labels, value: p.value });
        else g.value = node.op === 'sum' ? g.value + p.value : Math.max(g.value, p.value);
      }
      return [...groups.values()];
    }
    case 'div': {
      const right = new Map(
        evaluate(node.right, scrapes, index, windowMs).map((p) => [key(p.labels), p.value]),
      );
      return evaluate(node.left, scrapes, index, windowMs)
        .filter((p) => right.has(key(p.labels)) && right.get(key(p.labels)) !== 0)
        .map((p) => ({ labels: p.labels, value: p.value / right.get(key(p.labels))! }));
    }
    case 'quantile': {
      const groups = new Map<string, { labels: Record<string, string>; buckets: [number, number][] }>();
      for (const p of evaluate(node.arg, scrapes, index, windowMs)) {
        const { le, ...labels } = p.labels;
        const g = groups.get(key(labels)) ?? { labels, buckets: [] };
        g.buckets.push([le === '+Inf' ? Infinity : Number(le), p.value]);
        groups.set(key(labels), g);
      }
      return [...groups.values()].flatMap((g) => {
        const value = quantile(
          node.q,
          g.buckets.sort((a, b) => a[0] - b[0]),
        );
        return Number.isNaN(value) ? [] : [{ labels: g.labels, value }];
      });
    }
  }
}

/** Prometheus' histogram_quantile: linear interpolation inside the bucket holding the rank. */
function quantile(q: number, buckets: [number, number][]): number {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(count - prevCount, 1e-12);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}
