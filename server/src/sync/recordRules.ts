/**
 * What this product writes on CRM records: the name of a new contact, the fields of a
 * created record, its owner, the chat link on matched records, when a rename is allowed, and which
 * existing record a phone number matches. Pure decisions; the worker performs them.
 */
import type { ChatRef } from '../timelines/events.js';
import type { ZohoRecord, ZohoUser } from '../zoho/gateway.js';
import { toE164 } from './phone.js';
import { truncateText } from './truncate.js';

/** The lead source value this product sets on records it creates (added to the picklist on activation). */
export const LEAD_SOURCE_VALUE = 'TimelinesAI';

/**
 * Longest name written. Zoho's standard name fields (Last_Name of Contacts and Leads) hold 80
 * characters and refuse a longer value with INVALID_DATA, which would fail the whole create.
 */
export const NAME_MAX_LENGTH = 80;

/** The settings that decide which fields are written (a subset of the stored integration settings). */
export interface RecordFieldSettings {
  module: string;
  phoneField: string;
  nameField: string;
  chatLinkField: string;
  leadSourceField: string;
}

/** A name that is only a phone number ("+1 415-555-0123") is WhatsApp showing the number, not a name. */
const PHONE_LIKE = /^[\s+().\-\d]*$/;

/**
 * WhatsApp's name for the chat, cleaned for the CRM (whitespace collapsed, cut to NAME_MAX_LENGTH),
 * or undefined when there is no real name (missing, blank, or just a phone number).
 */
export function cleanChatName(name: string | undefined): string | undefined {
  const collapsed = name?.replace(/\s+/g, ' ').trim();
  if (!collapsed) return undefined;
  if (PHONE_LIKE.test(collapsed) && collapsed.replace(/\D/g, '').length >= 5) return undefined;
  return truncateText(collapsed, NAME_MAX_LENGTH);
}

/**
 * The name a record gets: the chat's WhatsApp name when it has a real one, else
 * `New WhatsApp contact: <+E.164>` (the raw phone when it cannot be normalised).
 */
export function contactName(chat: Pick<ChatRef, 'name' | 'phone'>): string {
  const name = cleanChatName(chat.name);
  if (name) return name;
  const phone = chat.phone ? (toE164(chat.phone) ?? chat.phone.trim()) : '';
  return truncateText(phone ? `New WhatsApp contact: ${phone}` : 'New WhatsApp contact', NAME_MAX_LENGTH);
}

/**
 * The field map of a record created for a chat. `Description` always gets the chat URL too (the
 * integration guide's item 6), so the link is visible even on layouts that hide the chat link field.
 * Link fields are left out when the chat has no URL (Zoho refuses an empty website value).
 */
export function newRecordFields(
  settings: RecordFieldSettings,
  chat: Pick<ChatRef, 'name' | 'phone' | 'url'>,
  e164: string,
  ownerId: string,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (chat.url) {
    fields.Description = chat.url;
    fields[settings.chatLinkField] = chat.url;
  }
  // Later keys win: if an admin chose Description as a setting's field, the setting's value is kept.
  fields[settings.leadSourceField] = LEAD_SOURCE_VALUE;
  fields[settings.phoneField] = e164;
  fields[settings.nameField] = contactName(chat);
  fields.Owner = { id: ownerId };
  return fields;
}

/**
 * The owner of a created record: the active Zoho user whose email is the WhatsApp account owner's
 * (case-insensitive), else `fallbackUserId` (the user who made the master connection).
 */
export function chooseOwner(
  users: ZohoUser[],
  accountEmail: string | undefined,
  fallbackUserId: string,
): string {
  const wanted = accountEmail?.trim().toLowerCase();
  if (!wanted) return fallbackUserId;
  const match = users.find((u) => u.active && u.email.trim().toLowerCase() === wanted);
  return match?.id ?? fallbackUserId;
}

/** TimelinesAI chat URLs carry the chat id: /chat/7004887/messages/. */
const CHAT_ID_IN_URL = /\/chat\/(\d+)(?:[/?#]|$)/;

/**
 * True when two chat links point at the same chat: same TimelinesAI chat id when both carry one,
 * else the same URL up to case and a trailing slash.
 */
export function sameChatLink(a: string, b: string): boolean {
  const idA = CHAT_ID_IN_URL.exec(a)?.[1];
  const idB = CHAT_ID_IN_URL.exec(b)?.[1];
  if (idA !== undefined && idB !== undefined) return idA === idB;
  const norm = (u: string) => u.trim().replace(/\/+$/, '').toLowerCase();
  return norm(a) === norm(b);
}

/**
 * The update that puts the chat link on a matched record, or undefined when it already has it.
 * Written when the field is empty or holds anything but this chat's link (another chat's, or stray
 * text: the field is the admin's designated chat link field). Nothing else on the record changes.
 */
export function chatLinkUpdate(
  record: ZohoRecord,
  settings: Pick<RecordFieldSettings, 'chatLinkField'>,
  chatUrl: string | undefined,
): ({ id: string } & Record<string, unknown>) | undefined {
  if (!chatUrl) return undefined;
  const current = record[settings.chatLinkField];
  if (typeof current === 'string' && current.trim() !== '' && sameChatLink(current, chatUrl))
    return undefined;
  return { id: record.id, [settings.chatLinkField]: chatUrl };
}

export type RenameDecision = 'rename' | 'keep-human-edit' | 'not-ours' | 'unchanged';

/**
 * Whether a WhatsApp rename may be applied to the record.
 * - `not-ours`: the record existed before (matched): never renamed.
 * - `unchanged`: nothing to do: the chat has no real name now (we never replace a name with
 *   "New WhatsApp contact: …"), or the record already carries it, or it is the name we last wrote.
 * - `keep-human-edit`: someone changed the name in the CRM since we wrote it (or we do not know what
 *   we wrote): a human's edit is never overwritten.
 * - `rename`: write `contactName(chat)`, then remember it as the last written name.
 * `newChatName` is WhatsApp's raw chat name; names compare after the same cleaning `contactName` applies.
 */
export function renameDecision(input: {
  createdByUs: boolean;
  lastWrittenName: string | undefined;
  currentName: string | undefined;
  newChatName: string | undefined;
}): RenameDecision {
  if (!input.createdByUs) return 'not-ours';
  const wanted = cleanChatName(input.newChatName);
  const current = normaliseName(input.currentName);
  const lastWritten = normaliseName(input.lastWrittenName);
  if (wanted === undefined || wanted === current || wanted === lastWritten) return 'unchanged';
  if (lastWritten === undefined || current !== lastWritten) return 'keep-human-edit';
  return 'rename';
}

function normaliseName(name: string | undefined): string | undefined {
  const n = name?.replace(/\s+/g, ' ').trim();
  return n ? n : undefined;
}
