/**
 * TimelinesAI webhook payloads (wire format) → domain events (events.ts).
 *
 * Two layers:
 * 1. zod schemas describe the JSON we read. They are loose (unknown fields pass, TimelinesAI adds fields
 *    without notice) but strict about the type of every field we use, so a payload that changed shape
 *    fails loudly with a 400 naming the field instead of syncing garbage.
 * 2. `parseTimelinesWebhook` applies the sync's rules on top (the conversion itself is in toEvent.ts): which event names are messages, where the
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
import type { TimelinesEvent } from './events.js';
import { classifyEventName } from './eventName.js';
import { fastEventType, fastMessageEventWire, UNSURE } from './wireFastPath.js';
import { Problems, toMessageEvent } from './toEvent.js';

export { formatPath, limitText, MAX_MESSAGE_TEXT_LENGTH, safeFileName } from './toEvent.js';

/** Strings we store verbatim (names, emails, ids) are capped so a hostile payload cannot bloat the store. */
const MAX_SHORT_TEXT_LENGTH = 1_000;

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
export type ChatWire = z.infer<typeof chatWire>;
export type MessageWire = z.infer<typeof messageWire>;
export type AttachmentWire = z.infer<typeof attachmentWire>;

// ---------------------------------------------------------------------------------------------------
// Parsing

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
