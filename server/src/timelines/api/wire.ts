/**
 * TimelinesAI public API answers (wire format, zod) → the typed objects TimelinesClient returns.
 *
 * Schemas are loose (TimelinesAI adds fields without notice) and strict about the fields we use.
 * In list answers each item is checked on its own: one malformed chat or message is reported in the
 * page's `invalid` list instead of failing the page, so one bad record cannot stall a history import.
 * Ids arrive as numbers (`"id": 123456`) or strings (`"id": "1000001"`); they are kept as strings.
 */
import * as z from 'zod';
import { parseTimelinesTimestamp } from '../timestamp.js';
import { formatPath } from '../schema.js';

const id = z.union([z.string().trim().min(1).max(200), z.number().int().nonnegative()]).transform(String);
const text = z
  .string()
  .nullish()
  .transform((v) => (v?.trim() ? v.trim() : undefined));
const phone = z
  .union([z.string().max(100), z.number().int().nonnegative()])
  .nullish()
  .transform((v) =>
    v === null || v === undefined || String(v).trim() === '' ? undefined : String(v).trim(),
  );
const count = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).nullish();

/** `YYYY-MM-DD HH:mm:ss +ZZZZ` (or ISO) → ISO UTC; absent stays absent, garbage is an issue. */
const optionalInstant = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v, ctx) => {
    if (v === null || v === undefined || v === '') return undefined;
    const parsed = parseTimelinesTimestamp(v);
    if (parsed.ok) return parsed.iso;
    ctx.addIssue({ code: 'custom', message: parsed.problem });
    return z.NEVER;
  });

export const okEnvelope = z.looseObject({ status: z.literal('ok'), data: z.unknown().optional() });
export const errorEnvelope = z.looseObject({
  status: z.string().optional(),
  message: z.unknown().optional(),
});

// ---------------------------------------------------------------------------------------------------

const webhookWire = z.looseObject({
  id,
  event_type: z.string().min(1),
  url: z.string().min(1),
  enabled: z.boolean().nullish(),
  errors_counter: count,
});

export interface TimelinesWebhook {
  id: string;
  eventType: string;
  url: string;
  enabled: boolean;
  /** Failed deliveries TimelinesAI counted for this subscription. */
  errorsCounter: number;
}

export const webhookSchema = webhookWire.transform((w): TimelinesWebhook => ({
  id: w.id,
  eventType: w.event_type,
  url: w.url,
  enabled: w.enabled ?? true,
  errorsCounter: w.errors_counter ?? 0,
}));

/** `GET /webhooks` answers the list as `data` (some clients see it under `data.webhooks`). */
export const webhookListData = z.union([
  z.array(z.unknown()),
  z.looseObject({ webhooks: z.array(z.unknown()) }).transform((d) => d.webhooks),
]);

// ---------------------------------------------------------------------------------------------------

const chatWire = z.looseObject({
  id,
  name: text,
  phone,
  jid: text,
  is_group: z.boolean().nullish(),
  closed: z.boolean().nullish(),
  read: z.boolean().nullish(),
  labels: z.array(z.string()).nullish(),
  whatsapp_account_id: text,
  chat_url: text,
  created_timestamp: optionalInstant,
  last_message_uid: text,
  last_message_timestamp: optionalInstant,
  responsible_email: text,
  responsible_name: text,
  /** The guide's example names the assignee `responsible`. */
  responsible: text,
});

export interface TimelinesChat {
  id: string;
  name: string | undefined;
  /** As TimelinesAI writes it (`+14155551234`); normalise with sync/phone before matching. */
  phone: string | undefined;
  jid: string | undefined;
  isGroup: boolean;
  closed: boolean | undefined;
  read: boolean | undefined;
  labels: string[];
  /** The WhatsApp account (JID, `15559876543@s.whatsapp.net`) the chat belongs to. */
  whatsappAccountId: string | undefined;
  /** e.g. https://app.timelines.ai/chat/123456/messages/ */
  chatUrl: string | undefined;
  /** ISO 8601 UTC. */
  createdAt: string | undefined;
  lastMessageUid: string | undefined;
  /** ISO 8601 UTC. */
  lastMessageAt: string | undefined;
  responsibleEmail: string | undefined;
  responsibleName: string | undefined;
}

export const chatSchema = chatWire.transform((c): TimelinesChat => ({
  id: c.id,
  name: c.name,
  phone: c.phone,
  jid: c.jid,
  isGroup: c.is_group ?? c.jid?.endsWith('@g.us') ?? false,
  closed: c.closed ?? undefined,
  read: c.read ?? undefined,
  labels: c.labels ?? [],
  whatsappAccountId: c.whatsapp_account_id,
  chatUrl: c.chat_url,
  createdAt: c.created_timestamp,
  lastMessageUid: c.last_message_uid,
  lastMessageAt: c.last_message_timestamp,
  responsibleEmail: c.responsible_email ?? (c.responsible?.includes('@') ? c.responsible : undefined),
  responsibleName: c.responsible_name,
}));

// ---------------------------------------------------------------------------------------------------

const messageWire = z.looseObject({
  uid: id,
  chat_id: id.nullish(),
  timestamp: z.union([z.string(), z.number()]),
  sender_phone: phone,
  sender_name: text,
  recipient_phone: phone,
  recipient_name: text,
  from_me: z.boolean(),
  status: text,
  origin: text,
  message_type: text,
  text: z.string().nullish(),
  has_attachment: z.boolean().nullish(),
  attachment_url: text,
  attachment_filename: text,
  created_by: text,
});

export interface TimelinesMessage {
  uid: string;
  chatId: string;
  /** The instant, ISO 8601 UTC (from `YYYY-MM-DD HH:mm:ss +ZZZZ`). */
  sentAt: string;
  /** As TimelinesAI wrote it, offset included (the WhatsApp account's local time). */
  timestamp: string;
  fromMe: boolean;
  senderName: string | undefined;
  senderPhone: string | undefined;
  recipientName: string | undefined;
  recipientPhone: string | undefined;
  /** '' when the message has none (attachment only). */
  text: string;
  /** Sent, Delivered, Read, … as TimelinesAI names it. */
  status: string | undefined;
  /** WhatsApp, Public API, … */
  origin: string | undefined;
  /** `Note` for TimelinesAI's internal notes, which are not WhatsApp messages. */
  messageType: string | undefined;
  /** Temporary download link (expires within minutes: download at once). */
  attachment: { url: string; fileName: string | undefined } | undefined;
}

export function messageSchema(chatId: string) {
  return messageWire.transform((m, ctx): TimelinesMessage => {
    const at = parseTimelinesTimestamp(m.timestamp);
    if (!at.ok) {
      ctx.addIssue({ code: 'custom', path: ['timestamp'], message: at.problem });
      return z.NEVER;
    }
    return {
      uid: m.uid,
      chatId: m.chat_id ?? chatId,
      sentAt: at.iso,
      timestamp: String(m.timestamp),
      fromMe: m.from_me,
      senderName: m.sender_name,
      senderPhone: m.sender_phone,
      recipientName: m.recipient_name,
      recipientPhone: m.recipient_phone,
      text: m.text ?? '',
      status: m.status,
      origin: m.origin,
      messageType: m.message_type,
      attachment: m.attachment_url ? { url: m.attachment_url, fileName: m.attachment_filename } : undefined,
    };
  });
}

// ---------------------------------------------------------------------------------------------------

export interface TimelinesFile {
  uid: string;
  filename: string | undefined;
  size: number | undefined;
  mimeType: string | undefined;
  /** Present in the upload and details answers; expires. */
  temporaryDownloadUrl: string | undefined;
  uploadedAt: string | undefined;
}

export const fileSchema = z
  .looseObject({
    uid: id,
    filename: text,
    size: count,
    mimetype: text,
    mime_type: text,
    temporary_download_url: text,
    uploaded_at: optionalInstant,
  })
  .transform((f): TimelinesFile => ({
    uid: f.uid,
    filename: f.filename,
    size: f.size ?? undefined,
    mimeType: f.mimetype ?? f.mime_type,
    temporaryDownloadUrl: f.temporary_download_url,
    uploadedAt: f.uploaded_at,
  }));

export const sentSchema = z
  .looseObject({ message_uid: id })
  .transform((d) => ({ messageUid: d.message_uid }));

// ---------------------------------------------------------------------------------------------------

export interface TimelinesAccount {
  /** The account's JID, e.g. `15559876543@s.whatsapp.net`. */
  id: string;
  phone: string | undefined;
  /** TimelinesAI's word (`active` when connected). */
  status: string | undefined;
  /** `status` is `active`/`connected` (TimelinesAI does not document the other values). */
  connected: boolean;
  accountName: string | undefined;
  ownerName: string | undefined;
  ownerEmail: string | undefined;
}

export const accountSchema = z
  .looseObject({
    id,
    phone,
    status: text,
    account_name: text,
    owner_name: text,
    owner_email: text,
  })
  .transform((a): TimelinesAccount => ({
    id: a.id,
    phone: a.phone,
    status: a.status,
    connected: a.status !== undefined && /^(active|connected|online)$/i.test(a.status),
    accountName: a.account_name,
    ownerName: a.owner_name,
    ownerEmail: a.owner_email,
  }));

export const accountListData = z.union([
  z.looseObject({ whatsapp_accounts: z.array(z.unknown()) }).transform((d) => d.whatsapp_accounts),
  z.array(z.unknown()),
]);

const quotaWire = z
  .looseObject({ total: count, used: count, period_start: optionalInstant, period_end: optionalInstant })
  .nullish()
  .transform((q) =>
    q ? { total: q.total ?? undefined, used: q.used ?? undefined, periodEnd: q.period_end } : undefined,
  );

export interface TimelinesQuota {
  total: number | undefined;
  used: number | undefined;
  /** ISO 8601 UTC: when the period (and the quota) renews. */
  periodEnd: string | undefined;
}

export const quotasSchema = z
  .looseObject({ messaging_quota: quotaWire, api_calls_quota: quotaWire })
  .transform((q): { messaging: TimelinesQuota | undefined; apiCalls: TimelinesQuota | undefined } => ({
    messaging: q.messaging_quota,
    apiCalls: q.api_calls_quota,
  }));

export const chatPageData = z
  .looseObject({ has_more_pages: z.boolean().nullish(), chats: z.array(z.unknown()) })
  .transform((d) => ({ items: d.chats, hasMorePages: d.has_more_pages ?? false }));
export const messagePageData = z
  .looseObject({ has_more_pages: z.boolean().nullish(), messages: z.array(z.unknown()) })
  .transform((d) => ({ items: d.messages, hasMorePages: d.has_more_pages ?? false }));

/** Parses each item on its own; the bad ones are listed, not thrown. */
export function parseItems<T>(
  items: unknown[],
  schema: z.ZodType<T>,
): { items: T[]; invalid: Array<{ index: number; problem: string }> } {
  const out: T[] = [];
  const invalid: Array<{ index: number; problem: string }> = [];
  items.forEach((item, index) => {
    const r = schema.safeParse(item);
    if (r.success) out.push(r.data);
    else {
      const issue = r.error.issues[0];
      invalid.push({ index, problem: issue ? `${formatPath(issue.path)}: ${issue.message}` : 'invalid' });
    }
  });
  return { items: out, invalid };
}
