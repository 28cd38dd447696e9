/**
 * The queue gauges' source for the embedded document store: one pass over the queue at scrape time
 * (every 15 s or so; a backlog of 100,000 messages is a few milliseconds). The PostgreSQL engine
 * answers the same with one grouped query (count, count of waiting, min(received_at) by workspace).
 */
import type { Store } from '../store/store.js';
import type { QueueStat } from './metrics.js';

export function documentQueueStats(store: Store): QueueStat[] {
  const byWorkspace = new Map<string, QueueStat>();
  for (const q of store.data.queue) {
    let stat = byWorkspace.get(q.workspaceId);
    if (!stat) {
      stat = { workspaceId: q.workspaceId, depth: 0, waiting: 0, oldestReceivedAt: undefined };
      byWorkspace.set(q.workspaceId, stat);
    }
    stat.depth += 1;
    if (q.state === 'waiting') stat.waiting += 1;
    const received = Date.parse(q.receivedAt);
    if (
      Number.isFinite(received) &&
      (stat.oldestReceivedAt === undefined || received < stat.oldestReceivedAt)
    )
      stat.oldestReceivedAt = received;
  }
  // Workspaces with an empty queue are exported at 0, so a drained queue reads 0, not "no data".
  for (const ws of store.data.workspaces) {
    if (!byWorkspace.has(ws.id))
      byWorkspace.set(ws.id, { workspaceId: ws.id, depth: 0, waiting: 0, oldestReceivedAt: undefined });
  }
  return [...byWorkspace.values()];
}
