/**
 * A fast reading of a well-formed webhook payload, for the hot path (every WhatsApp message).
 *
 * The zod schemas of schema.ts cost about 60 µs a delivery on a 2-core machine, a seventh of the
 * webhook's CPU. Nearly every delivery is well-formed, so this reads the fields the sync uses with
 * plain checks that accept a strict subset of what the schemas accept, and produces the same values
 * the schemas produce (the same trims, the same "blank means absent"). Anything it is not sure of (a
 * wrong type, a string over its limit, an unusual object) makes it answer `undefined`, and the caller
 * runs the zod schemas, which then accept or reject and word the 400 exactly as before. So the answers
 * cannot differ from the schemas' own: a payload either passes both, with the same values, or it is
 * judged by zod alone. test/timelines/wireFastPath.test.ts compares the two on many payloads.
 */
import type { MessageEventWire } from './schema.js';

/** Why the fast path gave up: the caller then runs the schemas. */
const UNSURE = Symbol('unsure');
type Unsure = typeof UNSURE;

type Obj = Record<string, unknown>;

/** A plain object as JSON.parse makes them (what the schemas' object check certainly accepts). */
function plain(value: unknown): value is Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** optionalText: a string of at most `max` characters, trimmed, blank → absent; null/missing → absent. */
function text(value: unknown, max = 1000): string | undefined | Unsure {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max) return UNSURE;
  const trimmed = value.trim();
  return trimmed ? trimmed : undefined;
}

/** optionalId / optionalPhone: a string of at most `max` characters or a safe non-negative integer. */
function idLike(value: unknown, max: number): string | undefined | Unsure {
  if (value === undefined || value === null) return undefined;
  let s: string;
  if (typeof value === 'string') {
    if (value.length > max) return UNSURE;
    s = value;
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0 || Object.is(value, -0)) return UNSURE;
    s = String(value);
  } else return UNSURE;
  const trimmed = s.trim();
  return trimmed ? trimmed : undefined;
}

/** optionalBoolean: kept as it is (null stays null, as the schema leaves it). */
function bool(value: unknown): boolean | null | undefined | Unsure {
  if (value === undefined || value === null || typeof value === 'boolean') return value;
  return UNSURE;
}

/** A nested object: absent (null or missing, kept as given) or a plain object. */
function nested(value: unknown): Obj | null | undefined | Unsure {
  if (value === undefined || value === null) return value;
  return plain(value) ? value : UNSURE;
}

/** The envelope's event name (`event_type`, else `event`), or UNSURE when either field is malformed. */
export function fastEventType(body: Obj): string | undefined | Unsure {
  const eventType = text(body.event_type);
  const event = text(body.event);
  if (eventType === UNSURE || event === UNSURE) return UNSURE;
  return eventType ?? event;
}

/**
 * The message event as the schema `messageEventWire` reads it (the fields the sync uses), or
 * undefined when the payload needs the schema's judgement.
 */
export function fastMessageEventWire(body: Obj): MessageEventWire | undefined {
  const chat = nested(body.chat);
  const account = nested(body.whatsapp_account);
  const message = nested(body.message);
  if (chat === UNSURE || account === UNSURE || message === UNSURE) return undefined;
  const out: Obj = {};
  if (chat !== undefined) {
    const c = chat === null ? null : readChat(chat);
    if (c === UNSURE) return undefined;
    out.chat = c;
  }
  if (account !== undefined) {
    const a = account === null ? null : readAccount(account);
    if (a === UNSURE) return undefined;
    out.whatsapp_account = a;
  }
  if (message !== undefined) {
    const m = message === null ? null : readMessage(message);
    if (m === UNSURE) return undefined;
    out.message = m;
  }
  return out as MessageEventWire;
}

/** Reads `fields` with their readers; UNSURE as soon as one is. */
function readAll(source: Obj, fields: [string, (v: unknown) => unknown][]): Obj | Unsure {
  const out: Obj = {};
  for (const [key, read] of fields) {
    const v = read(source[key]);
    if (v === UNSURE) return UNSURE;
    if (v !== undefined) out[key] = v;
  }
  return out;
}

const ID = (v: unknown) => idLike(v, 200);
const PHONE = (v: unknown) => idLike(v, 100);

const CHAT_FIELDS: [string, (v: unknown) => unknown][] = [
  ['chat_id', ID],
  ['id', ID],
  ['full_name', text],
  ['name', text],
  ['phone', PHONE],
  ['jid', text],
  ['is_group', bool],
  ['chat_url', text],
];

const ACCOUNT_FIELDS: [string, (v: unknown) => unknown][] = [
  ['full_name', text],
  ['owner_name', text],
  ['email', text],
  ['owner_email', text],
  ['phone', PHONE],
];

const PERSON_FIELDS: [string, (v: unknown) => unknown][] = [
  ['full_name', text],
  ['phone', PHONE],
];

const ATTACHMENT_FIELDS: [string, (v: unknown) => unknown][] = [
  ['temporary_download_url', text],
  ['url', text],
  ['download_url', text],
  ['filename', text],
  ['file_name', text],
  ['name', text],
  ['size', size],
  ['mimetype', text],
  ['mime_type', text],
  ['content_type', text],
];

function readChat(chat: Obj): Obj | Unsure {
  return readAll(chat, CHAT_FIELDS);
}

function readAccount(account: Obj): Obj | Unsure {
  return readAll(account, ACCOUNT_FIELDS);
}

/** A size: a finite non-negative number or a string of digits, kept as given. */
function size(value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : UNSURE;
  if (typeof value === 'string') return /^\d+$/.test(value) ? value : UNSURE;
  return UNSURE;
}

/** A timestamp: a string of at most 100 characters or a finite number, kept as given. */
function timestamp(value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (typeof value === 'string') return value.length <= 100 ? value : UNSURE;
  if (typeof value === 'number') return Number.isFinite(value) ? value : UNSURE;
  return UNSURE;
}

function readMessage(m: Obj): Obj | Unsure {
  const out = readAll(m, [
    ['message_uid', ID],
    ['uid', ID],
    ['timestamp', timestamp],
    ['text', (v) => (v === undefined || v === null || typeof v === 'string' ? v : UNSURE)],
    ['direction', text],
    ['from_me', bool],
    ['sender_name', text],
    ['attachment_url', text],
    ['attachment_filename', text],
  ]);
  if (out === UNSURE) return UNSURE;
  const sender = nested(m.sender);
  if (sender === UNSURE) return UNSURE;
  if (sender !== undefined) {
    const s = sender === null ? null : readAll(sender, PERSON_FIELDS);
    if (s === UNSURE) return UNSURE;
    out.sender = s;
  }
  const attachments = m.attachments;
  if (attachments === null) out.attachments = null;
  else if (attachments !== undefined) {
    if (!Array.isArray(attachments)) return UNSURE;
    const list: Obj[] = [];
    for (const a of attachments as unknown[]) {
      if (!plain(a)) return UNSURE;
      const r = readAll(a, ATTACHMENT_FIELDS);
      if (r === UNSURE) return UNSURE;
      list.push(r);
    }
    out.attachments = list;
  }
  return out;
}

export { UNSURE };
