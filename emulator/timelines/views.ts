/**
 * How the emulator writes its records on the wire: the public API's JSON objects and the webhook
 * payloads, field for field as TimelinesAI documents them (see test/fixtures/timelines).
 */
import type { TimelinesState } from './state.js';
import type { AccountRec, ChatRec, FileRec, MessageRec, WebhookRec, WorkspaceRec } from './types.js';

export interface ViewOptions {
  chatUrlBase: string;
  utcOffsetMinutes: number;
  /** Where download links point (the emulator's public URL). */
  publicUrl: () => string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export class Views {
  constructor(
    readonly state: TimelinesState,
    readonly opts: ViewOptions,
  ) {}

  /** `2024-01-08 10:35:18 +0200`, in the accounts' offset. */
  timestamp(ms: number): string {
    const off = this.opts.utcOffsetMinutes;
    const d = new Date(ms + off * 60_000);
    const sign = off < 0 ? '-' : '+';
    const abs = Math.abs(off);
    return (
      `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
      `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ` +
      `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
    );
  }

  chatUrl(id: number): string {
    return `${this.opts.chatUrlBase}/chat/${id}/messages/`;
  }

  /** A fresh temporary link to the file (each answer mints its own, as TimelinesAI does). */
  downloadUrl(file: FileRec): string {
    return `${this.opts.publicUrl()}/attachments/${this.state.mintDownloadKey(file)}/${encodeURIComponent(file.filename)}`;
  }

  account(a: AccountRec): Record<string, unknown> {
    return {
      id: a.id,
      phone: a.phone,
      connected_on: this.timestamp(a.connectedOn),
      status: a.connected ? 'active' : 'disconnected',
      owner_name: a.ownerName,
      owner_email: a.ownerEmail,
      account_name: a.accountName,
      is_visible: true,
    };
  }

  #last(ws: WorkspaceRec, chat: ChatRec): MessageRec | undefined {
    const list = ws.messages.get(chat.id) ?? [];
    return list[list.length - 1];
  }

  chat(ws: WorkspaceRec, chat: ChatRec): Record<string, unknown> {
    const last = this.#last(ws, chat);
    return {
      id: chat.id,
      name: chat.name,
      jid: chat.jid,
      is_group: chat.isGroup,
      closed: chat.closed,
      read: chat.read,
      labels: chat.labels,
      chatgpt_autoresponse_enabled: false,
      whatsapp_account_id: chat.accountId,
      chat_url: this.chatUrl(chat.id),
      created_timestamp: this.timestamp(chat.createdAt),
      unattended: false,
      photo: null,
      phone: chat.phone ?? null,
      responsible_email: chat.responsibleEmail ?? null,
      responsible_name: chat.responsibleName ?? null,
      // The guide's example names the assignee's email `responsible`; the reference `responsible_email`.
      responsible: chat.responsibleEmail ?? null,
      last_message_uid: last?.uid ?? null,
      last_message_timestamp: last ? this.timestamp(last.at) : null,
      is_allowed_to_message: true,
    };
  }

  message(ws: WorkspaceRec, m: MessageRec): Record<string, unknown> {
    const file = m.fileUid ? ws.files.get(m.fileUid) : undefined;
    return {
      uid: m.uid,
      chat_id: String(m.chatId),
      timestamp: this.timestamp(m.at),
      sender_phone: m.senderPhone ?? null,
      sender_name: m.senderName,
      recipient_phone: m.recipientPhone ?? null,
      recipient_name: m.recipientName,
      from_me: m.fromMe,
      status: m.status,
      origin: m.origin,
      has_attachment: file !== undefined,
      message_type: 'whatsapp',
      data: {},
      created_by: m.fromMe ? m.senderName : null,
      text: m.text,
      attachment_url: file ? this.downloadUrl(file) : null,
      attachment_filename: file?.filename ?? null,
      reactions: {},
    };
  }

  webhook(w: WebhookRec): Record<string, unknown> {
    return {
      id: w.id,
      event_type: w.eventType,
      enabled: w.enabled,
      url: w.url,
      errors_counter: w.errorsCounter,
    };
  }

  file(f: FileRec, withUrl: boolean): Record<string, unknown> {
    return {
      ...(withUrl ? { temporary_download_url: this.downloadUrl(f) } : {}),
      uid: f.uid,
      filename: f.filename,
      size: f.data.length,
      mimetype: f.mimetype,
      uploaded_by_email: f.uploadedByEmail,
      uploaded_at: this.timestamp(f.uploadedAt),
    };
  }

  /** A message event, shaped as test/fixtures/timelines/webhook-message-new.doc-example.json. */
  messagePayload(eventType: string, ws: WorkspaceRec, chat: ChatRec, m: MessageRec): Record<string, unknown> {
    const account = ws.accounts.find((a) => a.id === chat.accountId)!;
    const file = m.fileUid ? ws.files.get(m.fileUid) : undefined;
    return {
      event_type: eventType,
      chat: {
        full_name: chat.name,
        chat_url: this.chatUrl(chat.id),
        chat_id: chat.id,
        is_group: chat.isGroup,
        phone: chat.phone ?? null,
        responsible_name: chat.responsibleName ?? null,
        responsible_email: chat.responsibleEmail ?? null,
      },
      whatsapp_account: { full_name: account.ownerName, email: account.ownerEmail, phone: account.phone },
      message: {
        text: m.text,
        direction: m.fromMe ? 'sent' : 'received',
        origin: m.origin,
        timestamp: this.timestamp(m.at),
        message_uid: m.uid,
        sender: { full_name: m.senderName, phone: m.senderPhone ?? null },
        recipient: { full_name: m.recipientName, phone: m.recipientPhone ?? null },
        reply_to_uid: m.replyTo ?? null,
        attachments: file
          ? [
              {
                temporary_download_url: this.downloadUrl(file),
                filename: file.filename,
                size: file.data.length,
                mimetype: file.mimetype,
              },
            ]
          : [],
      },
    };
  }

  /** A chat event, shaped as test/fixtures/timelines/webhook-chat-new.sample.json. */
  chatPayload(eventType: string, ws: WorkspaceRec, chat: ChatRec): Record<string, unknown> {
    const account = ws.accounts.find((a) => a.id === chat.accountId)!;
    const last = this.#last(ws, chat);
    return {
      event_type: eventType,
      chat: {
        id: chat.id,
        name: chat.name,
        phone: chat.phone ?? null,
        jid: chat.jid,
        is_group: chat.isGroup,
        closed: chat.closed,
        read: chat.read,
        labels: chat.labels,
        unattended_customer: false,
        chatgpt_autoresponse_enabled: false,
        whatsapp_account_id: chat.accountId,
        chat_url: this.chatUrl(chat.id),
        created_timestamp: this.timestamp(chat.createdAt),
        last_message_uid: last?.uid ?? null,
        last_message_timestamp: last ? this.timestamp(last.at) : null,
        responsible_name: chat.responsibleName ?? null,
        responsible_email: chat.responsibleEmail ?? null,
        previous_responsible_name: null,
        previous_responsible_email: null,
      },
      whatsapp_account: {
        id: account.id,
        phone: account.phone,
        connected_on: this.timestamp(account.connectedOn),
        disconnected_on: account.disconnectedOn === undefined ? null : this.timestamp(account.disconnectedOn),
        status: account.connected ? 'active' : 'disconnected',
        account_name: account.accountName,
        owner_name: account.ownerName,
        owner_email: account.ownerEmail,
      },
    };
  }
}
