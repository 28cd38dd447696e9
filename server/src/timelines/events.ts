/**
 * Domain events made from TimelinesAI webhook payloads (see schema.ts for the wire format).
 * Everything downstream (store, worker, sync rules) uses these, never the raw payload.
 */

export interface AttachmentRef {
  /** TimelinesAI's temporary download URL (expires after ~15 min: download at once). */
  url: string;
  fileName: string;
  mimeType: string | undefined;
  size: number | undefined;
}

export interface ChatRef {
  /** TimelinesAI chat id, as a string. */
  id: string;
  /** WhatsApp's name for the chat, when it has one. */
  name: string | undefined;
  /** The contact's phone as sent by TimelinesAI (normalise with sync/phone before use). */
  phone: string | undefined;
  isGroup: boolean;
  /** e.g. https://app.timelines.ai/chat/7004887/messages/ */
  url: string | undefined;
}

export interface WhatsAppAccountRef {
  email: string | undefined;
  fullName: string | undefined;
  phone: string | undefined;
}

export interface MessageEvent {
  kind: 'message';
  /** The event name as received (message:new, message:received:new, …). */
  eventType: string;
  messageId: string;
  chat: ChatRef;
  account: WhatsAppAccountRef;
  direction: 'sent' | 'received';
  /** The instant of the message, ISO 8601 in UTC (converted from `YYYY-MM-DD HH:mm:ss +ZZZZ`). */
  sentAt: string;
  text: string;
  /** Who wrote it, as TimelinesAI names them (sender.full_name). */
  senderName: string | undefined;
  attachments: AttachmentRef[];
}

/** A well-formed event this product does not sync (chat:new, an unknown type …): acknowledged, logged as skipped. */
export interface UnsupportedEvent {
  kind: 'unsupported';
  eventType: string;
  /** Present when the payload names them, for the sync log. */
  messageId: string | undefined;
  chatId: string | undefined;
  reason: string;
}

export type TimelinesEvent = MessageEvent | UnsupportedEvent;
