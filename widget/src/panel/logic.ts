/**
 * What the chat panel shows, derived from CRM data only: this product's Notes (one per chat day,
 * titled "WhatsApp chat with <name> (DD/MM/YYYY)"), and the record's TimelinesAI chat link and phone.
 *
 * The chat link is found by value, not by field name: the first field holding a TimelinesAI chat URL
 * (`https://*.timelines.ai/chat/…`), preferring any field over Description (which also holds it). So
 * reps, who have no backend session, need nothing but the record they are looking at.
 */
import { TEST_CHAT_URL } from '../../../contract/adminApi';
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

/** The last message's time as the newest Note writes it: its day (from the title) and `HH:mm` line. */
export interface LastMessage {
  day: { year: number; month: number; day: number };
  hour: number;
  minute: number;
}

/**
 * A message line starts with `HH:mm ` at the line's start; continuation lines (multi-line text,
 * attachments) are indented, so they never match.
 */
const MESSAGE_LINE = /^(\d{2}):(\d{2}) /gm;

/** The last message of the newest chat day, read from its Note's lines; null when there is none. */
export function lastMessage(days: readonly WhatsAppDay[]): LastMessage | null {
  for (const d of days) {
    if (!d.day) continue;
    let last: RegExpExecArray | null = null;
    for (const m of d.content.matchAll(MESSAGE_LINE)) last = m;
    if (!last) continue;
    const hour = Number(last[1]);
    const minute = Number(last[2]);
    if (hour > 23 || minute > 59) continue;
    return { day: d.day, hour, minute };
  }
  return null;
}

/** The instant a wall-clock time in `timeZone` names (the earlier one in a DST overlap). */
export function zonedInstant(t: LastMessage, timeZone: string): Date {
  const wall = Date.UTC(t.day.year, t.day.month - 1, t.day.day, t.hour, t.minute);
  // The zone's offset at a guess, then at the corrected instant (two steps settle DST changes).
  let instant = wall - offsetMs(wall, timeZone);
  instant = wall - offsetMs(instant, timeZone);
  return new Date(instant);
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instant` (ms). */
function offsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(new Date(instant));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'));
  return asUtc - Math.floor(instant / 60_000) * 60_000;
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

/** The placeholder chat link activation writes on the workspace's test record. */
export function isTestChatLink(url: string | null): boolean {
  return url === TEST_CHAT_URL;
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
