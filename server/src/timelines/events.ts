/**
 * Domain events made from TimelinesAI webhook payloads (see schema.ts for the wire format).
 * Everything downstream (store, worker, sync rules) uses these, never the raw payload.
 */

export interface AttachmentRef {
  /** TimelinesAI's temporary download URL (expires after ~15 min: download at once). Always http(s). */
  url: string;
  /** Safe for an upload: no path separators or control characters; from the URL when the payload has none. */
  fileName: string;
  mimeType: string | undefined;
  size: number | undefined;
}

export interface ChatRef {
  /** TimelinesAI chat id, as a string (`chat.chat_id`, else `chat.id`, else the id in `chat.chat_url`). */
  id: string;
  /** WhatsApp's name for the chat, when it has one (`chat.full_name` or `chat.name`; may be just a number). */
  name: string | undefined;
  /**
   * The contact's phone as sent by TimelinesAI (`chat.phone`, else a personal JID such as
   * `14155550123@s.whatsapp.net`): normalise with `toE164` from sync/phone before use.
   */
  phone: string | undefined;
  /** `chat.is_group`, or a group JID (`…@g.us`). Group chats are never synced. */
  isGroup: boolean;
  /**
   * e.g. https://app.timelines.ai/chat/7004887/messages/. The parser always sets it (rebuilt from the
   * id when the payload has none); other producers (the activation test record) may leave it out.
   */
  url: string | undefined;
}

export interface WhatsAppAccountRef {
  /** The WhatsApp account owner's email (`email`, else `owner_email`): decides the record owner. */
  email: string | undefined;
  /** Shown as the author of sent messages (`full_name`, else `owner_name`). */
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
  /** As sent ('' when none), cut with a visible marker past MAX_MESSAGE_TEXT_LENGTH (schema.ts). */
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
