/**
 * docs/grafana-dashboard.json shows the connector's metrics: every panel query parses and reads
 * only metrics the connector exports; and the PromQL subset the docs' rendering evaluates with is
 * right on known data.
 */
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../server/src/metrics/metrics.js';
import { loadDashboard } from '../../scripts/dashboard/render.js';
import { parseExposition, type Sample } from '../../scripts/dashboard/exposition.js';
import { evaluate, metricsOf, parsePromql, type Scrape } from '../../scripts/dashboard/promql.js';

describe('the Grafana dashboard', () => {
  const dashboard = loadDashboard();
  const targets = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));

  it('queries only metrics the connector exports', async () => {
    const m = new Metrics();
    m.setSources({ queue: () => [], credits: () => [] });
    const exported = new Set(parseExposition((await m.exposition()).body).map((s) => s.name));
    // families that have no sample until something happens: read from the HELP lines
    for (const line of (await m.exposition()).body.split('\n'))
      if (line.startsWith('# TYPE ')) {
        const [, , name, type] = line.split(' ');
        exported.add(name!);
        if (type === 'histogram') ['_bucket', '_sum', '_count'].forEach((s) => exported.add(`${name}${s}`));
      }
    expect(targets.length).toBeGreaterThanOrEqual(15);
    for (const t of targets) {
      for (const name of metricsOf(parsePromql(t.expr)))
        expect(exported.has(name), `${t.panel}: ${name}`).toBe(true);
    }
  });

  it('shows each metric family of the connector', () => {
    const shown = new Set(targets.flatMap((t) => metricsOf(parsePromql(t.expr))));
    for (const family of [
      'connector_webhooks_received_total',
      'connector_webhook_duration_seconds_bucket',
      'connector_queue_depth',
      'connector_queue_oldest_age_seconds',
      'connector_queue_waiting',
      'connector_sync_runs_total',
      'connector_sync_events_total',
      'connector_zoho_calls_total',
      'connector_zoho_rate_limited_total',
      'connector_zoho_credits_used',
      'connector_zoho_credits_daily_limit',
      'connector_attachment_downloads_total',
      'connector_errors_total',
    ])
      expect(shown.has(family), family).toBe(true);
  });

  it('lays the panels out on Grafana’s 24-column grid without overlaps', () => {
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
    }
  });
});

describe('the PromQL subset', () => {
  const s = (name: string, labels: Record<string, string>, value: number): Sample => ({
    name,
    labels,
    value,
  });
  const scrapes: Scrape[] = [
    {
      at: 0,
      samples: [
        s('c_total', { outcome: 'queued', ws: 'a' }, 10),
        s('c_total', { outcome: 'queued', ws: 'b' }, 5),
        s('h_bucket', { le: '0.1' }, 0),
        s('h_bucket', { le: '1' }, 0),
        s('h_bucket', { le: '+Inf' }, 0),
        s('used', { ws: 'a' }, 40),
        s('limit', { ws: 'a' }, 100),
      ],
    },
    {
      at: 10_000,
      samples: [
        s('c_total', { outcome: 'queued', ws: 'a' }, 30),
        s('c_total', { outcome: 'queued', ws: 'b' }, 15),
        s('h_bucket', { le: '0.1' }, 50),
        s('h_bucket', { le: '1' }, 90),
        s('h_bucket', { le: '+Inf' }, 100),
        s('used', { ws: 'a' }, 60),
        s('used', { ws: 'a', instance: '2' }, 15),
        s('limit', { ws: 'a' }, 100),
      ],
    },
  ];
  const at1 = (expr: string) => evaluate(parsePromql(expr), scrapes, 1, 60_000);

  it('computes rates and increases per series and sums them by label', () => {
    expect(at1('sum by (outcome) (rate(c_total[$__rate_interval]))')).toEqual([
      { labels: { outcome: 'queued' }, value: 3 },
    ]);
    expect(at1('sum by (ws) (increase(c_total[5m]))')).toEqual([
      { labels: { ws: 'a' }, value: 20 },
      { labels: { ws: 'b' }, value: 10 },
    ]);
    expect(evaluate(parsePromql('rate(c_total[5m])'), scrapes, 0, 60_000)).toEqual([]); // one scrape: no rate
  });

  it('interpolates histogram quantiles like Prometheus', () => {
    expect(at1('histogram_quantile(0.5, sum by (le) (rate(h_bucket[5m])))')[0]!.value).toBeCloseTo(0.1);
    expect(at1('histogram_quantile(0.7, sum by (le) (rate(h_bucket[5m])))')[0]!.value).toBeCloseTo(0.55);
    expect(at1('histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))')[0]!.value).toBe(1);
  });

  it('divides matching series', () => {
    expect(at1('sum by (ws) (used) / max by (ws) (limit)')).toEqual([{ labels: { ws: 'a' }, value: 0.75 }]);
  });

  it('refuses what it does not know', () => {
    expect(() => parsePromql('avg(c_total)')).toThrow();
    expect(() => parsePromql('sum by (ws) (c_total) extra')).toThrow();
  });
});
