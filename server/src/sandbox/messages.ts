/**
 * TimelinesAI-shaped payloads for the sandbox form and the replay command, following the fixture
 * `webhook-message-new.doc-example.json`, and small sample attachments served by the sandbox.
 */
import { randomUUID } from 'node:crypto';

export interface MessageSpec {
  phone: string;
  name?: string | undefined;
  text?: string | undefined;
  direction?: 'received' | 'sent' | undefined;
  attachment?: boolean | undefined;
  chatId?: string | undefined;
  isGroup?: boolean | undefined;
  timestamp?: string | undefined;
  messageId?: string | undefined;
  accountEmail?: string | undefined;
  accountName?: string | undefined;
  filesBaseUrl: string;
}

/** `YYYY-MM-DD HH:mm:ss +0000`, the webhook's timestamp format. */
export function timelinesTimestamp(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000`;
}

/** A stable chat id for a phone, so messages from one number land in one chat. */
export function chatIdFor(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return String(Number(digits.slice(-9)) || 1);
}

export function timelinesMessagePayload(spec: MessageSpec) {
  const chatId = spec.chatId ?? chatIdFor(spec.phone);
  const direction = spec.direction ?? 'received';
  const contact = { full_name: spec.name ?? '', phone: spec.phone };
  const account = {
    full_name: spec.accountName ?? 'Sandbox Admin',
    email: spec.accountEmail ?? 'admin@sandbox.test',
    phone: '+34910000000',
  };
  const ts = spec.timestamp
    ? /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}$/.test(spec.timestamp)
      ? spec.timestamp
      : timelinesTimestamp(new Date(spec.timestamp))
    : timelinesTimestamp(new Date());
  return {
    event_type: direction === 'received' ? 'message:received:new' : 'message:sent:new',
    chat: {
      full_name: spec.name ?? '',
      chat_url: `https://app.timelines.ai/chat/${chatId}/messages/`,
      chat_id: Number(chatId),
      is_group: spec.isGroup ?? false,
      phone: spec.phone,
      responsible_name: account.full_name,
      responsible_email: account.email,
    },
    whatsapp_account: account,
    message: {
      text: spec.text ?? '',
      direction,
      origin: 'WhatsApp',
      timestamp: ts,
      message_uid: spec.messageId ?? randomUUID(),
      sender: direction === 'received' ? contact : { full_name: account.full_name, phone: account.phone },
      recipient: direction === 'received' ? { full_name: account.full_name, phone: account.phone } : contact,
      attachments: spec.attachment
        ? [
            {
              temporary_download_url: `${spec.filesBaseUrl}/brochure.txt`,
              filename: 'brochure.txt',
              size: SAMPLE_TEXT.length,
              mimetype: 'text/plain',
            },
          ]
        : [],
    },
  };
}

const SAMPLE_TEXT = Buffer.from(
  'Sandbox brochure: prices, terms and a friendly hello from TimelinesAI.\n',
  'utf8',
);
// A 1×1 PNG, so the sandbox can show an image attachment too.
const SAMPLE_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

export function sampleAttachment(name: string): { data: Buffer; mimeType: string } | undefined {
  if (name === 'brochure.txt') return { data: SAMPLE_TEXT, mimeType: 'text/plain' };
  if (name === 'photo.png') return { data: SAMPLE_PNG, mimeType: 'image/png' };
  return undefined;
}
