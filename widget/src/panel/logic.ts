/**
 * What the chat panel shows, derived from CRM data only: this product's Notes (one per chat day,
 * titled "WhatsApp chat with <name> (DD/MM/YYYY)"), and the record's TimelinesAI chat link and phone.
 *
 * The chat link is found by value, not by field name: the first field holding a TimelinesAI chat URL
 * (`https://*.timelines.ai/chat/…`), preferring any field over Description (which also holds it). So
 * reps, who have no backend session, need nothing but the record they are looking at.
 */
import type { CrmNote, CrmRecord } from '../host/host';

export const NOTE_TITLE_PREFIX = 'WhatsApp chat with ';

export interface WhatsAppDay {
  id: string;
  title: string;
  contactName: string;
  /** The chat day from the title, or null when the title carries none. */
  day: { year: number; month: number; day: number } | null;
  content: string;
  attachments: string[];
  createdTime: string | null;
  modifiedTime: string | null;
}

const TITLE = /^WhatsApp chat with (.*?)\s*\((\d{1,2})\/(\d{1,2})\/(\d{4})\)\s*$/;

export function isWhatsAppNote(note: CrmNote): boolean {
  return note.title.startsWith(NOTE_TITLE_PREFIX);
}

export function toWhatsAppDay(note: CrmNote): WhatsAppDay {
  const m = TITLE.exec(note.title);
  const day = m ? { day: Number(m[2]), month: Number(m[3]), year: Number(m[4]) } : null;
  return {
    id: note.id,
    title: note.title,
    contactName: m ? (m[1] ?? '') : note.title.slice(NOTE_TITLE_PREFIX.length),
    day,
    content: note.content,
    attachments: note.attachments,
    createdTime: note.createdTime,
    modifiedTime: note.modifiedTime,
  };
}

function sortKey(d: WhatsAppDay): string {
  const date = d.day
    ? `${d.day.year}-${String(d.day.month).padStart(2, '0')}-${String(d.day.day).padStart(2, '0')}`
    : (d.createdTime ?? '').slice(0, 10);
  return `${date}|${d.modifiedTime ?? d.createdTime ?? ''}`;
}

/** This product's Notes, newest chat day first. */
export function whatsappDays(notes: readonly CrmNote[]): WhatsAppDay[] {
  return notes
    .filter(isWhatsAppNote)
    .map(toWhatsAppDay)
    .sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : sortKey(a) > sortKey(b) ? -1 : 0));
}

/** When a message was last written into one of the Notes. */
export function lastSynced(days: readonly WhatsAppDay[]): string | null {
  let best: { iso: string; t: number } | null = null;
  for (const d of days) {
    const iso = d.modifiedTime ?? d.createdTime;
    const t = iso ? Date.parse(iso) : NaN;
    if (iso && !Number.isNaN(t) && (!best || t > best.t)) best = { iso, t };
  }
  return best?.iso ?? null;
}

const CHAT_URL = /https:\/\/(?:[a-z0-9-]+\.)*timelines\.ai\/chat\/[^\s"'<>]+/i;

export function findChatLink(record: CrmRecord): string | null {
  let fallback: string | null = null;
  for (const [field, value] of Object.entries(record)) {
    if (typeof value !== 'string') continue;
    const m = CHAT_URL.exec(value);
    if (!m) continue;
    if (field !== 'Description') return m[0];
    fallback ??= m[0];
  }
  return fallback;
}

const PHONE_FIELDS = ['Phone', 'Mobile', 'Other_Phone', 'Home_Phone', 'Asst_Phone'];

/**
 * The record's WhatsApp number, best guess: the standard phone fields, then any field named like a
 * phone; a number in international format (+…, as this product writes it) wins.
 */
export function findPhone(record: CrmRecord): string | null {
  const names = [
    ...PHONE_FIELDS,
    ...Object.keys(record).filter((k) => !PHONE_FIELDS.includes(k) && /phone|mobile|whats_?app/i.test(k)),
  ];
  const values = names
    .map((k) => record[k])
    .filter((v): v is string => typeof v === 'string' && v.trim() !== '' && !/^https?:/i.test(v))
    .map((v) => v.trim());
  return values.find((v) => v.startsWith('+')) ?? values[0] ?? null;
}
