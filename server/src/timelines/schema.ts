/**
 * TimelinesAI webhook payloads (wire format) → domain events (events.ts).
 *
 * Two layers:
 * 1. zod schemas describe the JSON we read. They are loose (unknown fields pass, TimelinesAI adds fields
 *    without notice) but strict about the type of every field we use, so a payload that changed shape
 *    fails loudly with a 400 naming the field instead of syncing garbage.
 * 2. `parseTimelinesWebhook` applies the sync's rules on top: which event names are messages, where the
 *    direction comes from, which fields are required (a message without an id cannot be de-duplicated,
 *    one without a timestamp cannot be put into a day's Note).
 *
 * Decisions callers rely on:
 * - Unknown event types in a well-formed object → `{kind: 'unsupported'}` (acknowledge, log skipped).
 * - A message event missing `message_uid`, `timestamp`, a chat id or any way to tell its direction →
 *   `ok: false` (400): it cannot be synced correctly, and storing it would only produce a failure later.
 * - Missing phone → a MessageEvent with `chat.phone` undefined (the worker logs it as skipped "no phone").
 * - Attachments without any URL are dropped (nothing to download); a URL that is not http(s) is a 400.
 * - Message text longer than MAX_MESSAGE_TEXT_LENGTH is cut, with a visible marker.
 */
import * as z from 'zod';
import type { AttachmentRef, ChatRef, MessageEvent, TimelinesEvent, WhatsAppAccountRef } from './events.js';
import { classifyEventName, directionOfWord, type Direction } from './eventName.js';
import { parseTimelinesTimestamp } from './timestamp.js';
import { fastEventType, fastMessageEventWire, UNSURE } from './wireFastPath.js';

/**
 * Longest message text kept. WhatsApp allows ~65k characters; a Zoho Note holds ~32k, and one message
 * should never crowd a whole day's Note out, so the rest is cut (TimelinesAI keeps the full text).
 */
export const MAX_MESSAGE_TEXT_LENGTH = 16_000;
/** Strings we store verbatim (names, emails, ids) are capped so a hostile payload cannot bloat the store. */
const MAX_SHORT_TEXT_LENGTH = 1_000;
/** At most this many problems are listed in one error message: enough to fix a payload, short enough to read. */
const MAX_REPORTED_PROBLEMS = 5;

export type ParseResult = { ok: true; event: TimelinesEvent } | { ok: false; error: string };

// ---------------------------------------------------------------------------------------------------
// Wire schemas

/** An optional string: null, missing and blank all mean "absent". */
const optionalText = z
  .string({ error: 'expected a string' })
  .max(MAX_SHORT_TEXT_LENGTH, { error: `longer than ${MAX_SHORT_TEXT_LENGTH} characters` })
  .nullish()
  .transform((value) => {
    const trimmed = value?.trim();
    return trimmed ? trimmed : undefined;
  });

const ID_TYPE = 'expected a string or a non-negative integer';

/** Ids arrive as numbers (chat_id: 123456) or strings ("1000001"); we keep them as strings. */
const optionalId = z
  .union(
    [
      z.string().max(200, { error: 'longer than 200 characters' }),
      z.number().int({ error: ID_TYPE }).nonnegative({ error: ID_TYPE }),
    ],
    { error: ID_TYPE },
  )
  .nullish()
  .transform((value) => {
    const text = value === null || value === undefined ? undefined : String(value).trim();
    return text ? text : undefined;
  });

const PHONE_TYPE = 'expected a string or a number';

/** Phones are strings ("+123456789"), occasionally bare numbers (14155550123). */
const optionalPhone = z
  .union(
    [
      z.string().max(100, { error: 'longer than 100 characters' }),
      z.number().int({ error: PHONE_TYPE }).nonnegative({ error: PHONE_TYPE }),
    ],
    { error: PHONE_TYPE },
  )
  .nullish()
  .transform((value) => {
    const text = value === null || value === undefined ? undefined : String(value).trim();
    return text ? text : undefined;
  });

const optionalBoolean = z.boolean({ error: 'expected true or false' }).nullish();

const SIZE_TYPE = 'expected a number of bytes';

const attachmentWire = z.looseObject({
  temporary_download_url: optionalText,
  url: optionalText,
  download_url: optionalText,
  filename: optionalText,
  file_name: optionalText,
  name: optionalText,
  size: z
    .union([z.number().nonnegative({ error: SIZE_TYPE }), z.string().regex(/^\d+$/, { error: SIZE_TYPE })], {
      error: SIZE_TYPE,
    })
    .nullish(),
  mimetype: optionalText,
  mime_type: optionalText,
  content_type: optionalText,
});

const personWire = z.looseObject({ full_name: optionalText, phone: optionalPhone });

const messageWire = z.looseObject({
  message_uid: optionalId,
  /** The REST API's name for the same id. */
  uid: optionalId,
  timestamp: z
    .union([z.string().max(100, { error: 'longer than 100 characters' }), z.number()], {
      error: 'expected a date-time string or epoch seconds',
    })
    .nullish(),
  text: z.string({ error: 'expected a string' }).nullish(),
  direction: optionalText,
  from_me: optionalBoolean,
  sender: personWire.nullish(),
  sender_name: optionalText,
  attachments: z.array(attachmentWire, { error: 'expected an array' }).nullish(),
  /** The REST API's single-attachment fields, accepted when `attachments` is absent. */
  attachment_url: optionalText,
  attachment_filename: optionalText,
});

const chatWire = z.looseObject({
  chat_id: optionalId,
  id: optionalId,
  /** message:new payloads call the chat's name `full_name`, chat:new payloads `name`. */
  full_name: optionalText,
  name: optionalText,
  phone: optionalPhone,
  jid: optionalText,
  is_group: optionalBoolean,
  chat_url: optionalText,
});

const accountWire = z.looseObject({
  full_name: optionalText,
  owner_name: optionalText,
  email: optionalText,
  owner_email: optionalText,
  phone: optionalPhone,
});

const envelopeWire = z.looseObject({
  event_type: optionalText,
  /** Some relays rename the field. */
  event: optionalText,
});

const messageEventWire = z.looseObject({
  chat: chatWire.nullish(),
  whatsapp_account: accountWire.nullish(),
  message: messageWire.nullish(),
});

/** For unsupported events: the same fields, but any of them may be malformed without failing the event. */
const bestEffortIdsWire = z.looseObject({
  chat: z
    .looseObject({ chat_id: optionalId.catch(undefined), id: optionalId.catch(undefined) })
    .nullish()
    .catch(undefined),
  message: z
    .looseObject({ message_uid: optionalId.catch(undefined), uid: optionalId.catch(undefined) })
    .nullish()
    .catch(undefined),
});

export type MessageEventWire = z.infer<typeof messageEventWire>;
type ChatWire = z.infer<typeof chatWire>;
type MessageWire = z.infer<typeof messageWire>;
type AttachmentWire = z.infer<typeof attachmentWire>;

// ---------------------------------------------------------------------------------------------------
// Parsing

/** Problems found in a payload, each "path: problem", for one readable 400 message. */
class Problems {
  readonly list: string[] = [];
  add(path: string, problem: string): void {
    this.list.push(`${path}: ${problem}`);
  }
  addZod(error: z.ZodError): void {
    for (const issue of error.issues) this.add(formatPath(issue.path), issue.message);
  }
  toError(): string {
    const shown = this.list.slice(0, MAX_REPORTED_PROBLEMS);
    const more = this.list.length - shown.length;
    return `Invalid TimelinesAI webhook payload: ${shown.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`;
  }
}

/** `['message', 'attachments', 0, 'filename']` → `message.attachments[0].filename`; the root is `body`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'body';
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/**
 * Validates one webhook body and turns it into a domain event. Never throws: every problem ends up in
 * `error`, worded for the 400 response (`path: problem; path: problem`).
 */
export function parseTimelinesWebhook(body: unknown): ParseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: `Invalid TimelinesAI webhook payload: body: expected a JSON object` };
  }
  return parseWellFormed(body as Record<string, unknown>) ?? parseWithSchemas(body);
}

/** `parseTimelinesWebhook` by the zod schemas alone (exported for the fast path's equivalence test). */
export function parseWithSchemas(body: object): ParseResult {
  const problems = new Problems();

  const envelope = envelopeWire.safeParse(body);
  if (!envelope.success) {
    problems.addZod(envelope.error);
    return { ok: false, error: problems.toError() };
  }
  const eventType = envelope.data.event_type ?? envelope.data.event;
  if (eventType === undefined) {
    problems.add('event_type', 'required (the event name, e.g. "message:new")');
    return { ok: false, error: problems.toError() };
  }

  const meaning = classifyEventName(eventType);
  if (meaning.kind === 'other') return { ok: true, event: unsupportedEvent(body, eventType) };

  const wire = messageEventWire.safeParse(body);
  if (!wire.success) {
    problems.addZod(wire.error);
    return { ok: false, error: problems.toError() };
  }
  const event = toMessageEvent(wire.data, eventType, meaning.direction, problems);
  return event && problems.list.length === 0 ? { ok: true, event } : { ok: false, error: problems.toError() };
}

/**
 * A well-formed message event read without the schemas (wireFastPath.ts); undefined when the payload
 * needs their judgement (any doubt, an unsupported event type), which then decides as before.
 */
function parseWellFormed(body: Record<string, unknown>): ParseResult | undefined {
  const eventType = fastEventType(body);
  if (eventType === UNSURE || eventType === undefined) return undefined;
  const meaning = classifyEventName(eventType);
  if (meaning.kind !== 'message') return undefined;
  const wire = fastMessageEventWire(body);
  if (!wire) return undefined;
  const problems = new Problems();
  const event = toMessageEvent(wire, eventType, meaning.direction, problems);
  return event && problems.list.length === 0 ? { ok: true, event } : { ok: false, error: problems.toError() };
}

function unsupportedEvent(body: object, eventType: string): TimelinesEvent {
  const ids = bestEffortIdsWire.safeParse(body);
  const chat = ids.success ? ids.data.chat : undefined;
  const message = ids.success ? ids.data.message : undefined;
  return {
    kind: 'unsupported',
    eventType,
    messageId: message?.message_uid ?? message?.uid,
    chatId: chat?.chat_id ?? chat?.id,
    reason: `unsupported event type "${eventType}"`,
  };
}

function toMessageEvent(
  wire: MessageEventWire,
  eventType: string,
  directionFromName: Direction | undefined,
  problems: Problems,
): MessageEvent | undefined {
  const { message, chat } = wire;
  if (!message) problems.add('message', `required for a "${eventType}" event`);
  if (!chat) problems.add('chat', `required for a "${eventType}" event`);
  if (!message || !chat) return undefined;

  const messageId = message.message_uid ?? message.uid;
  if (messageId === undefined) {
    problems.add('message.message_uid', 'required: a message without an id cannot be de-duplicated');
  }

  let sentAt: string | undefined;
  if (message.timestamp === null || message.timestamp === undefined) {
    problems.add('message.timestamp', 'required: the message cannot be placed on a day without it');
  } else {
    const parsed = parseTimelinesTimestamp(message.timestamp);
    if (parsed.ok) sentAt = parsed.iso;
    else problems.add('message.timestamp', parsed.problem);
  }

  const direction = directionOf(message, directionFromName);
  if (direction === undefined) {
    problems.add(
      'message.direction',
      message.direction === undefined
        ? `missing, and neither the event name "${eventType}" nor message.from_me tells whether it was sent or received`
        : `"${message.direction}" is neither "sent" nor "received", and neither the event name nor message.from_me tells`,
    );
  }

  const chatRef = toChatRef(chat, problems);
  const attachments = toAttachments(message, problems);

  if (messageId === undefined || sentAt === undefined || direction === undefined || !chatRef) {
    return undefined;
  }
  return {
    kind: 'message',
    eventType,
    messageId,
    chat: chatRef,
    account: toAccountRef(wire.whatsapp_account),
    direction,
    sentAt,
    text: limitText(message.text ?? ''),
    senderName: message.sender?.full_name ?? message.sender_name,
    attachments,
  };
}

/** `message.direction` first (it is about this very message), then the event name, then `from_me`. */
function directionOf(message: MessageWire, directionFromName: Direction | undefined): Direction | undefined {
  const fromField = message.direction === undefined ? undefined : directionOfWord(message.direction);
  if (fromField) return fromField;
  if (directionFromName) return directionFromName;
  if (message.from_me === true) return 'sent';
  if (message.from_me === false) return 'received';
  return undefined;
}

const CHAT_ID_IN_URL = /\/chat\/(\d+)(?:\/|$)/;

function toChatRef(chat: ChatWire, problems: Problems): ChatRef | undefined {
  const url = chat.chat_url !== undefined && isHttpUrl(chat.chat_url) ? chat.chat_url : undefined;
  // The id is what links a chat to its CRM record; the chat URL carries it too, as a last resort.
  const id = chat.chat_id ?? chat.id ?? (url ? CHAT_ID_IN_URL.exec(new URL(url).pathname)?.[1] : undefined);
  if (id === undefined) {
    problems.add('chat.chat_id', 'required: the chat id (or chat.id) links the chat to its CRM record');
    return undefined;
  }
  const jid = chat.jid?.toLowerCase();
  // A personal JID is the phone number in another spelling (digits@s.whatsapp.net); sync/phone reads it.
  const phoneFromJid = jid && /@(s\.whatsapp\.net|c\.us)$/.test(jid) ? chat.jid : undefined;
  const phone = chat.phone ?? phoneFromJid;
  return {
    id,
    name: chat.full_name ?? chat.name,
    phone,
    isGroup:
      chat.is_group === true ||
      [chat.jid, chat.phone].some((value) => value?.toLowerCase().endsWith('@g.us')),
    // TimelinesAI's chat URL is always this pattern: rebuild it when a relay dropped the field.
    url: url ?? `https://app.timelines.ai/chat/${encodeURIComponent(id)}/messages/`,
  };
}

function toAccountRef(account: MessageEventWire['whatsapp_account']): WhatsAppAccountRef {
  return {
    email: account?.email ?? account?.owner_email,
    fullName: account?.full_name ?? account?.owner_name,
    phone: account?.phone,
  };
}

function toAttachments(message: MessageWire, problems: Problems): AttachmentRef[] {
  const wires: Partial<AttachmentWire>[] =
    message.attachments ??
    (message.attachment_url ? [{ url: message.attachment_url, filename: message.attachment_filename }] : []);
  const refs: AttachmentRef[] = [];
  wires.forEach((wire, index) => {
    const url = wire.temporary_download_url ?? wire.url ?? wire.download_url;
    if (url === undefined) return; // nothing to download
    if (!isHttpUrl(url)) {
      problems.add(`message.attachments[${index}].temporary_download_url`, 'not an http(s) URL');
      return;
    }
    refs.push({
      url,
      fileName: safeFileName(wire.filename ?? wire.file_name ?? wire.name ?? fileNameFromUrl(url)),
      mimeType: wire.mimetype ?? wire.mime_type ?? wire.content_type,
      size: wire.size === null || wire.size === undefined ? undefined : Number(wire.size),
    });
  });
  return refs;
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

function fileNameFromUrl(url: string): string {
  const last = new URL(url).pathname.split('/').filter(Boolean).pop();
  try {
    return last ? decodeURIComponent(last) : 'attachment';
  } catch {
    return last ?? 'attachment';
  }
}

/** File names go into a multipart upload to Zoho: no path separators or control characters. */
export function safeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\\/\u0000-\u001f\u007f]/g, '_').trim();
  return (cleaned || 'attachment').slice(0, 255);
}

export function limitText(text: string): string {
  if (text.length <= MAX_MESSAGE_TEXT_LENGTH) return text;
  const marker = `… [message truncated: it had ${text.length} characters]`;
  let kept = text.slice(0, MAX_MESSAGE_TEXT_LENGTH - marker.length);
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1); // never leave half an emoji behind
  return kept + marker;
}
