/**
 * The queue gauges' source, read at scrape time (every 15 s or so) through the store: one pass over
 * the queue in the document engine, one grouped query on PostgreSQL. Workspaces with an empty queue
 * are exported at 0, so a drained queue reads 0, not "no data".
 */
import type { Store } from '../store/store.js';
import type { QueueStat } from './metrics.js';

export async function queueStats(store: Store): Promise<QueueStat[]> {
  const [depths, workspaces] = await Promise.all([store.queue.depths(), store.workspaces.all()]);
  const out = new Map<string, QueueStat>();
  for (const d of depths) {
    const oldest = d.oldestReceivedAt ? Date.parse(d.oldestReceivedAt) : NaN;
    out.set(d.workspaceId, {
      workspaceId: d.workspaceId,
      depth: d.depth,
      waiting: d.waiting,
      oldestReceivedAt: Number.isFinite(oldest) ? oldest : undefined,
    });
  }
  for (const ws of workspaces)
    if (!out.has(ws.id))
      out.set(ws.id, { workspaceId: ws.id, depth: 0, waiting: 0, oldestReceivedAt: undefined });
  return [...out.values()];
}
