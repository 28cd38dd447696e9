/**
 * Messages read from TimelinesAI's history (`GET /chats/{id}/messages`) as the same domain events
 * the webhooks produce, so they go through the same intake rules and sync steps. The message id is
 * TimelinesAI's `uid`, which is the webhooks' `message_uid`: a message both delivered by a webhook
 * and imported is accepted once.
 */
import type { TimelinesAccount, TimelinesChat, TimelinesMessage } from '../timelines/api/index.js';
import type { MessageEvent } from '../timelines/events.js';
import { limitText, safeFileName } from '../timelines/schema.js';

/** The event type imported messages carry (the sync does not depend on it; the sync log may show it). */
export const HISTORY_EVENT_TYPE = 'history:message';

/** TimelinesAI's internal notes are in a chat's history but are not WhatsApp messages. */
export function isWhatsAppMessage(m: TimelinesMessage): boolean {
  return !/^note$/i.test(m.messageType ?? '');
}

export function historyEvent(
  chat: TimelinesChat,
  m: TimelinesMessage,
  account: TimelinesAccount | undefined,
): MessageEvent {
  // A 1:1 chat's JID is its number in another spelling (digits@s.whatsapp.net); sync/phone reads it.
  const phone =
    chat.phone ?? (chat.jid && /@(s\.whatsapp\.net|c\.us)$/i.test(chat.jid) ? chat.jid : undefined);
  return {
    kind: 'message',
    eventType: HISTORY_EVENT_TYPE,
    messageId: m.uid,
    chat: {
      id: chat.id,
      name: chat.name,
      phone,
      isGroup: chat.isGroup,
      url: chat.chatUrl ?? `https://app.timelines.ai/chat/${encodeURIComponent(chat.id)}/messages/`,
    },
    account: {
      email: account?.ownerEmail ?? chat.responsibleEmail,
      fullName: account?.ownerName,
      phone: account?.phone,
    },
    direction: m.fromMe ? 'sent' : 'received',
    sentAt: m.sentAt,
    text: limitText(m.text),
    senderName: m.senderName,
    attachments: m.attachment
      ? [
          {
            url: m.attachment.url,
            fileName: safeFileName(m.attachment.fileName ?? fileNameOf(m.attachment.url)),
            mimeType: undefined,
            size: undefined,
          },
        ]
      : [],
  };
}

function fileNameOf(url: string): string {
  try {
    const last = new URL(url).pathname.split('/').filter(Boolean).pop();
    return last ? decodeURIComponent(last) : 'attachment';
  } catch {
    return 'attachment';
  }
}
