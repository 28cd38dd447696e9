/**
 * The Zoho CRM emulator in a process of its own (as Zoho is elsewhere), for benchmarks and fault runs
 * whose connector runs as a child process too: the connector's CPU and memory figures are then its
 * own. Started by emulatorProcess.ts, driven over IPC. It also serves the sample attachment files (as
 * TimelinesAI's storage would) and notes when each tagged message first reached a Note.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { createZohoEmulator, SANDBOX_ORG_ID } from '../../emulator/zoho/index.js';
import { sampleAttachment } from '../../server/src/sandbox/messages.js';
import type { EmulatorCommand, EmulatorDump } from './emulatorProcess.js';

const emu = createZohoEmulator();
/** tag of a message ("(#tag)" in its text) → when a Note holding it was first written (epoch ms) */
const tagSeen = new Map<string, number>();
const TAG = /\(#([^)]+)\)/g;
/** Note creates and updates: POST /Notes, PUT /Notes[/id], POST /{module}/{id}/Notes */
const NOTE_WRITE = /^\/crm\/v8\/(?:Notes(?:\/[^/]+)?|[^/]+\/[^/]+\/Notes)\/?$/i;
const parseJson = express.json({ limit: '50mb', type: () => true });

/** Records the tags of every Note the emulator accepted, once the answer is sent. */
function noteTags(req: Request, res: Response, next: NextFunction): void {
  if ((req.method !== 'POST' && req.method !== 'PUT') || !NOTE_WRITE.test(req.path)) return next();
  parseJson(req, res, (err?: unknown) => {
    if (err) return next(err);
    res.once('finish', () => {
      if (res.statusCode >= 300) return;
      const rows = (req.body as { data?: { Note_Content?: unknown }[] } | undefined)?.data ?? [];
      const at = Date.now();
      for (const row of rows) {
        if (typeof row?.Note_Content !== 'string') continue;
        for (const m of row.Note_Content.matchAll(TAG)) if (!tagSeen.has(m[1]!)) tagSeen.set(m[1]!, at);
      }
    });
    next();
  });
}

function dump(module: string): EmulatorDump {
  const notes = emu.state.notes(SANDBOX_ORG_ID) as {
    id: string;
    Note_Title: string;
    Note_Content: string;
    Parent_Id: { id: string };
  }[];
  const attachments: Record<string, number> = {};
  for (const n of notes) {
    const k = emu.state.attachments(SANDBOX_ORG_ID, n.id).length;
    if (k) attachments[n.id] = k;
  }
  return {
    records: emu.state.records(SANDBOX_ORG_ID, module),
    notes: notes.map((n) => ({
      id: n.id,
      title: n.Note_Title,
      content: n.Note_Content,
      parentId: n.Parent_Id.id,
    })),
    attachments,
  };
}

function handle(c: EmulatorCommand): unknown {
  switch (c.cmd) {
    case 'controls':
      if (c.latencyMs !== undefined) emu.controls.latencyMs = c.latencyMs;
      if (c.concurrencyCap !== undefined) emu.controls.concurrencyCap = c.concurrencyCap ?? undefined;
      if (c.randomFaults !== undefined) emu.controls.randomFaults = c.randomFaults ?? undefined;
      return true;
    case 'resetStats':
      emu.stats.reset();
      return true;
    case 'stats':
      return { ...emu.stats.calls(SANDBOX_ORG_ID), tokenRefreshes: emu.stats.tokenRefreshes() };
    case 'seedRecords':
      return emu.state.seedRecords(SANDBOX_ORG_ID, c.module, c.rows, { createdAt: c.createdAt });
    case 'encryptField':
      return emu.state.encryptField(SANDBOX_ORG_ID, c.module, c.field).encrypted;
    case 'dump':
      return dump(c.module);
    case 'tagsSeen':
      return Object.fromEntries(tagSeen);
    case 'expireTokens':
      emu.controls.expireAllAccessTokens(SANDBOX_ORG_ID);
      return true;
    case 'inflight':
      return emu.controls.inflight(SANDBOX_ORG_ID);
  }
}

async function main(): Promise<void> {
  const client = JSON.parse(process.env.EMULATOR_CLIENT ?? '{}') as {
    clientId: string;
    clientSecret: string;
  };
  const app = express();
  app.disable('x-powered-by');
  app.get('/files/:name', (req, res) => {
    const file = sampleAttachment(String(req.params.name));
    if (!file) return void res.status(404).end();
    res.type(file.mimeType).send(file.data);
  });
  app.use(noteTags);
  app.use(emu.router);
  const server = await new Promise<Server>((resolve) => {
    const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
  });
  server.keepAliveTimeout = 60_000;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  emu.setBaseUrl(url);
  emu.registerClient(client);
  emu.seedDefaultSandbox();
  process.on('message', (m: { id: number } & EmulatorCommand) => {
    let reply: { id: number; value?: unknown; error?: string };
    try {
      reply = { id: m.id, value: handle(m) };
    } catch (e) {
      reply = { id: m.id, error: (e as Error).message };
    }
    process.send?.(reply);
  });
  process.send?.({ ready: url });
  process.once('disconnect', () => process.exit(0));
}

await main();
