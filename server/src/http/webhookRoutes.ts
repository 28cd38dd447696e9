/**
 * `POST /webhooks/timelines/:token`. TimelinesAI cannot sign requests, so the unguessable token in
 * the URL is the credential. The body is parsed here with a 1 MB limit (413 beyond).
 */
import express, { Router } from 'express';
import type { Intake } from '../jobs/intake.js';

export function webhookRoutes(intake: Intake): Router {
  const router = Router();
  router.post(
    '/webhooks/timelines/:token',
    express.json({ limit: '1mb', strict: false, type: () => true }),
    async (req, res) => {
      const result = await intake.receive(String(req.params.token), req.body);
      if (result.status === 200) {
        res
          .status(200)
          .json({
            status: 'ok',
            outcome: result.outcome,
            ...(result.reason ? { reason: result.reason } : {}),
          });
      } else {
        res.status(result.status).json({ error: { code: result.code, message: result.message } });
      }
    },
  );
  return router;
}
