/**
 * The chat panel's API (reps, no session): a ticket for a user and a record, then sends with it.
 *
 *   POST /api/panel/ticket  {orgId, userId, module, recordId, createdTime} → PanelTicketAnswer
 *   POST /api/panel/send    Authorization: Bearer <ticket>; multipart `text`, `file` → PanelSendAnswer
 *
 * Mounted before the admin API (which wants a session on every other /api route).
 */
import express, { Router, type Request, type Response } from 'express';
import multer from 'multer';
import type { PanelSendAnswer, PanelTicketAnswer } from '../../../contract/adminApi.js';
import { Problem } from '../errors.js';
import { MAX_PANEL_FILE_BYTES, type PanelSender } from '../panel/send.js';
import type { PanelTickets, Ticket } from '../panel/tickets.js';
import { apiCors } from './cors.js';

export interface PanelDeps {
  tickets: PanelTickets;
  sender: PanelSender;
}

export function panelRoutes(deps: PanelDeps): Router {
  const router = Router();
  router.use('/api/panel', apiCors);
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: MAX_PANEL_FILE_BYTES, files: 1, fields: 4, fieldSize: 64 * 1024 },
  });

  router.post('/api/panel/ticket', express.json({ limit: '10kb' }), async (req, res) => {
    const answer: PanelTicketAnswer = await deps.tickets.issue(req.body);
    res.json(answer);
  });

  router.post(
    '/api/panel/send',
    (req, _res, next) => {
      // The ticket first: an unauthenticated upload is refused before its bytes are read.
      try {
        req.ticket = deps.tickets.read(req.headers.authorization);
        next();
      } catch (e) {
        next(e);
      }
    },
    (req, res, next) => upload.single('file')(req, res, (err: unknown) => next(uploadProblem(err))),
    async (req: Request, res: Response) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const file = req.file
        ? { data: req.file.buffer, filename: req.file.originalname, mimeType: req.file.mimetype || undefined }
        : undefined;
      const answer: PanelSendAnswer = await deps.sender.send(req.ticket!, body.text, file);
      res.json(answer);
    },
  );

  return router;
}

declare module 'express-serve-static-core' {
  interface Request {
    ticket?: Ticket;
  }
}

function uploadProblem(err: unknown): unknown {
  if (!err) return undefined;
  if (err instanceof multer.MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE')
      return new Problem(
        'too_large',
        'FILE_TOO_LARGE',
        `The file is larger than ${MAX_PANEL_FILE_BYTES / 1024 / 1024} MB, WhatsApp's limit for media: send a smaller one.`,
        'file',
      );
    return new Problem('invalid', 'INVALID_UPLOAD', `The upload was not understood (${err.message}).`);
  }
  return err;
}
