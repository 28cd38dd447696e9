/**
 * The admin API's TimelinesAI routes (behind the admin API's session check):
 *
 *   GET    /api/timelines        the connection, and TimelinesAI's view of it (webhooks, accounts, quota)
 *   PUT    /api/timelines        {apiToken}: verified, stored sealed (owner)
 *   DELETE /api/timelines        our webhooks removed in TimelinesAI, the token forgotten (owner)
 *   POST   /api/history-import   {since: YYYY-MM-DD}: 202, 409 while one runs (owner)
 *   GET    /api/history-import   its progress
 */
import type { Request, Response, Router } from 'express';
import type { HistoryImportAnswer, TimelinesStatusAnswer } from '../../../contract/adminApi.js';
import type { HistoryImporter } from '../history/importer.js';
import type { Store } from '../store/store.js';
import type { TimelinesLinkService } from '../workspace/timelinesLink.js';
import { requireOwner } from './sessions.js';

export interface TimelinesRouteDeps {
  store: Store;
  timelines: TimelinesLinkService;
  history: HistoryImporter;
}

export function timelinesRoutes(router: Router, deps: TimelinesRouteDeps): void {
  const current = async (req: Request) =>
    (await deps.store.workspaces.get(req.workspace!.id)) ?? req.workspace!;
  const status = async (req: Request, res: Response) => {
    const answer: TimelinesStatusAnswer = await deps.timelines.status(await current(req));
    res.json(answer);
  };

  router.get('/api/timelines', status);

  router.put('/api/timelines', requireOwner, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    await deps.timelines.connect(req.workspace!, body.apiToken);
    await status(req, res);
  });

  router.delete('/api/timelines', requireOwner, async (req, res) => {
    await deps.timelines.disconnect(req.workspace!);
    await status(req, res);
  });

  router.post('/api/history-import', requireOwner, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const answer: HistoryImportAnswer = await deps.history.begin(req.workspace!, body.since);
    res.status(202).json(answer);
  });

  router.get('/api/history-import', async (req, res) => {
    const answer: HistoryImportAnswer = deps.history.status(await current(req));
    res.json(answer);
  });
}
