/** TimelinesAI webhook payloads for tests, shaped like the documented ones in test/fixtures/timelines. */
import { randomUUID } from 'node:crypto';

export interface Msg {
  chatId?: number;
  phone?: string;
  name?: string;
  text?: string;
  direction?: 'received' | 'sent';
  /** `YYYY-MM-DD HH:mm:ss +ZZZZ` */
  timestamp?: string;
  uid?: string;
  isGroup?: boolean;
  accountEmail?: string;
  attachments?: { url: string; filename: string; mimetype?: string; size?: number }[];
  eventType?: string;
}

export function message(m: Msg = {}) {
  const chatId = m.chatId ?? 7004887;
  const direction = m.direction ?? 'received';
  const contact = { full_name: m.name ?? 'Jane Roe', phone: m.phone ?? '+14155550123' };
  const account = {
    full_name: 'Agent Brown',
    email: m.accountEmail ?? 'admin@sandbox.test',
    phone: '+34910000000',
  };
  return {
    event_type: m.eventType ?? (direction === 'received' ? 'message:received:new' : 'message:sent:new'),
    chat: {
      full_name: m.name ?? 'Jane Roe',
      chat_url: `https://app.timelines.ai/chat/${chatId}/messages/`,
      chat_id: chatId,
      is_group: m.isGroup ?? false,
      phone: m.phone ?? '+14155550123',
    },
    whatsapp_account: account,
    message: {
      text: m.text ?? 'Hello there',
      direction,
      timestamp: m.timestamp ?? '2026-11-20 10:15:00 +0000',
      message_uid: m.uid ?? randomUUID(),
      sender: direction === 'received' ? contact : account,
      recipient: direction === 'received' ? account : contact,
      attachments: (m.attachments ?? []).map((a) => ({
        temporary_download_url: a.url,
        filename: a.filename,
        mimetype: a.mimetype ?? 'text/plain',
        size: a.size ?? 10,
      })),
    },
  };
}
