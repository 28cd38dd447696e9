/**
 * The Metrics functions the worker will call, label hygiene, the credit budget's waits and the
 * METRICS_TOKEN setting.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config.js';
import { Metrics, type QueueStat } from '../../server/src/metrics/metrics.js';
import { CreditBudget } from '../../server/src/zoho/limits.js';
import { parseExposition, sum } from '../../scripts/dashboard/exposition.js';

const scrape = async (m: Metrics) => parseExposition((await m.exposition()).body);

describe('Metrics', () => {
  it('counts sync runs, their duration, event outcomes and sync failures', async () => {
    const m = new Metrics({ defaultMetrics: false });
    const { syncRunFinished, eventsFinished, syncFailed } = m; // plain functions
    syncRunFinished('synced', 0.4);
    syncRunFinished('failed', 2);
    syncRunFinished('deferred');
    eventsFinished('synced', 120);
    eventsFinished('skipped', 0);
    eventsFinished('failed', 3);
    syncFailed('rate_limited');
    const s = await scrape(m);
    expect(sum(s, 'connector_sync_runs_total', { outcome: 'synced' })).toBe(1);
    expect(sum(s, 'connector_sync_runs_total', { outcome: 'failed' })).toBe(1);
    expect(sum(s, 'connector_sync_runs_total', { outcome: 'deferred' })).toBe(1);
    expect(sum(s, 'connector_sync_runs_total', { outcome: 'crashed' })).toBe(0);
    expect(sum(s, 'connector_sync_run_duration_seconds_count')).toBe(2);
    expect(sum(s, 'connector_sync_run_duration_seconds_sum')).toBeCloseTo(2.4);
    expect(sum(s, 'connector_sync_events_total', { outcome: 'synced' })).toBe(120);
    expect(sum(s, 'connector_sync_events_total', { outcome: 'skipped' })).toBe(0);
    expect(sum(s, 'connector_sync_events_total', { outcome: 'failed' })).toBe(3);
    expect(sum(s, 'connector_errors_total', { source: 'sync', code: 'rate_limited' })).toBe(1);
  });

  it('keeps label values to fixed sets', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.error('http', 'NOT_FOUND');
    m.error('http', 'call +34 612 345 678 now');
    m.zohoAnswered('ws-1', 'coql', 429);
    m.zohoAnswered('ws-1', 'coql', 1234);
    m.zohoAnswered('ws-1', 'coql', 'network_error');
    const s = await scrape(m);
    expect(sum(s, 'connector_errors_total', { source: 'http', code: 'NOT_FOUND' })).toBe(1);
    expect(sum(s, 'connector_errors_total', { source: 'http', code: 'other' })).toBe(1);
    expect(sum(s, 'connector_zoho_calls_total', { kind: 'coql', status: 'other' })).toBe(1);
    expect(sum(s, 'connector_zoho_calls_total', { kind: 'coql', status: 'network_error' })).toBe(1);
    expect(sum(s, 'connector_errors_total', { source: 'zoho', code: 'network_error' })).toBe(1);
    expect(sum(s, 'connector_zoho_rate_limited_total', { workspace_id: 'ws-1' })).toBe(1);
  });

  it('reads the queue once per scrape and drops workspaces that left it', async () => {
    let reads = 0;
    let stats: QueueStat[] = [
      { workspaceId: 'a', depth: 4, waiting: 1, oldestReceivedAt: 1_000 },
      { workspaceId: 'b', depth: 1, waiting: 0, oldestReceivedAt: 91_000 },
    ];
    const m = new Metrics({ defaultMetrics: false, now: () => 101_000 });
    m.setSources({
      queue: async () => {
        reads += 1;
        return stats;
      },
      credits: () => [{ workspaceId: 'a', used: 4200, dailyLimit: 5000 }],
    });
    let s = await scrape(m);
    expect(reads).toBe(1);
    expect(sum(s, 'connector_queue_depth', { workspace_id: 'a' })).toBe(4);
    expect(sum(s, 'connector_queue_waiting', { workspace_id: 'a' })).toBe(1);
    expect(sum(s, 'connector_queue_oldest_age_seconds', { workspace_id: 'a' })).toBe(100);
    expect(sum(s, 'connector_queue_oldest_age_seconds', { workspace_id: 'b' })).toBe(10);
    expect(sum(s, 'connector_zoho_credits_used', { workspace_id: 'a' })).toBe(4200);
    expect(sum(s, 'connector_zoho_credits_daily_limit', { workspace_id: 'a' })).toBe(5000);
    stats = [{ workspaceId: 'b', depth: 0, waiting: 0, oldestReceivedAt: undefined }];
    s = await scrape(m);
    expect(reads).toBe(2);
    expect(s.filter((x) => x.labels.workspace_id === 'a' && x.name.startsWith('connector_queue'))).toEqual(
      [],
    );
    expect(sum(s, 'connector_queue_oldest_age_seconds', { workspace_id: 'b' })).toBe(0);
  });

  it('hears the credit budget pace background calls', async () => {
    let now = 0;
    const waits: number[] = [];
    const budget = new CreditBudget({
      dailyLimit: 10_000,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
      onWait: (ms) => waits.push(ms),
    });
    await budget.acquire();
    expect(waits).toEqual([]); // below 80 %: no waiting
    budget.record(8_500);
    await budget.acquire();
    await budget.acquire();
    // above 80 %: calls are spaced at the average rate the limit allows (24 h / 10,000 = 8.64 s)
    expect(waits).toEqual([8_640, 8_640]);
    const m = new Metrics({ defaultMetrics: false });
    for (const ms of waits) m.creditWaited('ws-1', ms);
    const s = await scrape(m);
    expect(sum(s, 'connector_zoho_credit_wait_seconds_total', { workspace_id: 'ws-1' })).toBeCloseTo(17.28);
  });
});

describe('METRICS_TOKEN', () => {
  it('is optional, and when set must be long and without spaces', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: '' }).metricsToken).toBeUndefined();
    const token = 'a'.repeat(64);
    expect(loadConfig({ METRICS_TOKEN: token }).metricsToken).toBe(token);
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be 32 to 256 printable/);
    expect(() => loadConfig({ METRICS_TOKEN: `${'a'.repeat(20)} ${'b'.repeat(20)}` })).toThrow(
      /METRICS_TOKEN/,
    );
  });
});
