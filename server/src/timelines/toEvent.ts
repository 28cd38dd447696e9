/**
 * A validated webhook payload (the wire shapes of schema.ts) → the domain event (events.ts), with the
 * sync's rules: where the direction comes from, which fields are required, attachments kept only with
 * an http(s) URL and a safe file name, text cut past MAX_MESSAGE_TEXT_LENGTH. Problems are collected
 * for one readable 400 (`path: problem; …`).
 */
import type * as z from 'zod';
import type { AttachmentRef, ChatRef, MessageEvent, WhatsAppAccountRef } from './events.js';
import { directionOfWord, type Direction } from './eventName.js';
import type { AttachmentWire, ChatWire, MessageEventWire, MessageWire } from './schema.js';
import { parseTimelinesTimestamp } from './timestamp.js';

/**
 * Longest message text kept. WhatsApp allows ~65k characters; a Zoho Note holds ~32k, and one message
 * should never crowd a whole day's Note out, so the rest is cut (TimelinesAI keeps the full text).
 */
export const MAX_MESSAGE_TEXT_LENGTH = 16_000;

/** At most this many problems are listed in one error message: enough to fix a payload, short enough to read. */
const MAX_REPORTED_PROBLEMS = 5;

/** Problems found in a payload, each "path: problem", for one readable 400 message. */
export class Problems {
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

export function toMessageEvent(
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
