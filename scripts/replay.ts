/**
 * `npm run replay`: sends the TimelinesAI fixtures and a generated conversation set into a running
 * connector (the sandbox by default), for demos and manual checks.
 *
 *   npm run replay                          # sandbox at http://localhost:$PORT, data in data/
 *   npm run replay -- --url http://localhost:4000 --chats 8 --messages 60 --days 4
 *   npm run replay -- --data /path/to/data  # the sandbox's data folder (default: beside DATA_FILE)
 *   npm run replay -- --webhook https://connector.example.com/webhooks/timelines/<token>
 *
 * The webhook URL is a credential: the sandbox shows it only to the owner's session, and writes it
 * for this script to `<data folder>/sandbox-webhook-url` (mode 0600) once Zoho CRM is connected.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SANDBOX_WEBHOOK_FILE } from '../server/src/sandbox/sandboxRoutes.js';
import { webhookFixtures } from '../test/helpers/fixtures.js';
import { generateConversation } from './conversations.js';

const { values } = parseArgs({
  options: {
    url: {
      type: 'string',
      default: process.env.PUBLIC_URL ?? `http://localhost:${process.env.PORT ?? 3000}`,
    },
    webhook: { type: 'string' },
    data: { type: 'string', default: path.dirname(process.env.DATA_FILE || 'data/db.json') },
    chats: { type: 'string', default: '6' },
    messages: { type: 'string', default: '40' },
    days: { type: 'string', default: '3' },
    seed: { type: 'string', default: String(Date.now() % 100000) },
    'no-fixtures': { type: 'boolean', default: false },
  },
});

const base = values.url!.replace(/\/+$/, '');
let webhook = values.webhook;
if (!webhook) {
  const state = await fetch(`${base}/sandbox/api/state`).catch(() => undefined);
  if (!state?.ok) {
    console.error(
      `No sandbox answers at ${base}. Start it with \`npm start\`, or pass --webhook <your webhook URL>.`,
    );
    process.exit(1);
  }
  const body = (await state.json()) as { connected: boolean; active: boolean };
  const file = path.join(values.data!, SANDBOX_WEBHOOK_FILE);
  let saved: string | undefined;
  try {
    saved = readFileSync(file, 'utf8').trim();
  } catch {
    saved = undefined;
  }
  if (!body.connected || !saved) {
    console.error(
      body.connected
        ? `No webhook URL in ${file}: pass --data <the sandbox's data folder>, or --webhook <URL>.`
        : `Connect Zoho CRM first: open ${base}/sandbox/ and click "Connect Zoho CRM".`,
    );
    process.exit(1);
  }
  if (!body.active)
    console.warn('Note: the integration is not active, so these messages will be logged as skipped.');
  webhook = saved;
}

const payloads: unknown[] = [];
if (!values['no-fixtures']) payloads.push(...webhookFixtures());
const conversation = generateConversation({
  chats: Number(values.chats),
  messages: Number(values.messages),
  days: Number(values.days),
  attachmentRate: 0.1,
  groupRate: 0.15,
  renameRate: 0.3,
  redeliveryRate: 0.05,
  filesBaseUrl: `${base}/sandbox/files`,
  seed: Number(values.seed),
});
payloads.push(...conversation.payloads);

const outcomes = new Map<string, number>();
for (const p of payloads) {
  const res = await fetch(webhook, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(p),
  });
  const body = (await res.json().catch(() => ({}))) as { outcome?: string; error?: { message: string } };
  const key = res.ok ? (body.outcome ?? 'ok') : `HTTP ${res.status}: ${body.error?.message ?? ''}`;
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
}
console.log(
  `Sent ${payloads.length} webhook deliveries (${conversation.chats.length} chats, ${conversation.chats.filter((c) => c.isGroup).length} groups):`,
);
for (const [k, n] of outcomes) console.log(`  ${k}: ${n}`);
console.log(`Open ${base}/sandbox/ to see the records and Notes, or GET /api/sync-log with your session.`);
