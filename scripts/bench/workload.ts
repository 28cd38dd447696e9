/**
 * The benchmark's workload: the generated conversation (scripts/conversations.ts) as webhook payloads
 * with a tag per message, what the CRM must hold afterwards, and the records already in the CRM
 * before the connector is activated (a share of the chats' numbers among thousands of others, typed
 * the ways people type them, over several countries).
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { messySpellingOf, randomPhoneNumber } from '../../emulator/zoho/seed/messyPhones.js';
import { seededRandom } from '../../emulator/zoho/index.js';
import { localDay } from '../../server/src/sync/dayGrouping.js';
import { phoneKey } from '../../server/src/sync/phoneKey.js';
import { generateConversation, type ConversationOptions, type GeneratedChat } from '../conversations.js';

export type Payload = ReturnType<typeof generateConversation>['payloads'][number];

/**
 * The payloads in delivery order, each message's text tagged `(#<prefix><n>)` so it can be found in
 * a Note. A prefix makes new messages (ids and tags) in the same chats as the unprefixed workload.
 */
export function payloadsOf(o: ConversationOptions, prefix: string) {
  const conv = generateConversation(o);
  for (const p of conv.payloads) {
    p.message.text = p.message.text.replace('(#', `(#${prefix}`);
    if (prefix) p.message.message_uid = `${prefix}-${p.message.message_uid}`;
  }
  return conv;
}

export interface Expected {
  /** sent, but its answer was not counted (the end of a timed load): present or absent */
  optional?: boolean;
  messageId: string;
  tag: string;
  chatId: string;
  phone: string;
  isGroup: boolean;
  /** the message's day in the org's time zone */
  day: string;
  attachment: boolean;
}

const TAG = /\(#([^)]+)\)/;

export function expectedOf(payloads: Payload[], timeZone: string): Expected[] {
  const byId = new Map<string, Expected>();
  for (const p of payloads) {
    const id = p.message.message_uid;
    if (byId.has(id)) continue; // a redelivery
    const [d, t, z] = p.message.timestamp.split(' ');
    const iso = new Date(`${d}T${t}${z!.slice(0, 3)}:${z!.slice(3)}`).toISOString();
    byId.set(id, {
      messageId: id,
      tag: TAG.exec(p.message.text)?.[1] ?? id,
      chatId: String(p.chat.chat_id),
      phone: p.chat.phone,
      isGroup: p.chat.is_group,
      day: localDay(iso, timeZone),
      attachment: p.message.attachments.length > 0,
    });
  }
  return [...byId.values()];
}

/**
 * A number in its current E.164 form, read independently of the connector: libphonenumber, plus
 * WhatsApp's Mexican `+521` (the mobile 1 Mexico dropped in 2019) read as `+52`.
 */
export function canonicalNumber(raw: string): string | undefined {
  const n = parsePhoneNumberFromString(raw);
  if (n?.isValid()) return n.number;
  const mx = /^\+521(\d{10})$/.exec(raw);
  const fixed = mx ? parsePhoneNumberFromString(`+52${mx[1]}`) : undefined;
  return fixed?.isValid() ? fixed.number : undefined;
}

export interface RecordPlanOptions {
  /** records in the destination module before activation */
  records: number;
  /** share of the 1:1 chats whose number one of them holds */
  matchRate: number;
  seed: number;
  /** the org's country (spellings are typed there) */
  orgCountry: string;
  phoneFields: string[];
  nameField: string;
  /** numbers no record may hold (chats of later phases that must create their record) */
  reserved?: string[];
}

export interface RecordPlan {
  rows: Record<string, unknown>[];
  /** chat id → the row (index) holding its number */
  matchedChat: Map<string, number>;
  /** formats and countries over all rows, and over the rows holding a chat's number */
  formats: Record<string, number>;
  countries: Record<string, number>;
  matchedFormats: Record<string, number>;
  matchedCountries: Record<string, number>;
  /** rows whose number no chat of the workload has (the steady-state phase's new chats use them) */
  spares: { e164: string; row: number }[];
}

/** Countries of the numbers that are no chat's: the usual mix of an org with foreign customers. */
const OTHER_COUNTRIES = ['ES', 'GB', 'DE', 'FR', 'IT', 'PT', 'US', 'BR', 'MX', 'AR', 'IN', 'NL'];

/**
 * The records in the CRM before activation: `matchRate` of the 1:1 chats have their number in one of
 * them (spelt as people type), the rest hold other numbers of several countries; each number in one
 * phone field picked at random (an encrypted one included).
 */
export function planRecords(chats: GeneratedChat[], o: RecordPlanOptions): RecordPlan {
  const rng = seededRandom(o.seed);
  const plan: RecordPlan = {
    rows: [],
    matchedChat: new Map(),
    formats: {},
    countries: {},
    matchedFormats: {},
    matchedCountries: {},
    spares: [],
  };
  const taken = new Set<string>();
  for (const phone of [...chats.map((c) => c.phone), ...(o.reserved ?? [])]) {
    const key = phoneKey(phone, o.orgCountry);
    if (key) taken.add(key);
  }
  const oneToOne = chats.filter((c) => !c.isGroup && canonicalNumber(c.phone));
  const wanted = Math.round(o.matchRate * chats.filter((c) => !c.isGroup).length);
  const chosen = shuffle(oneToOne, rng).slice(0, Math.min(wanted, o.records));
  const add = (e164: string, matched: boolean) => {
    const field = o.phoneFields[Math.floor(rng() * o.phoneFields.length)]!;
    let spelt = messySpellingOf(e164, o.orgCountry, rng);
    for (let i = 0; spelt.spelling.length > 30 && i < 8; i++)
      spelt = messySpellingOf(e164, o.orgCountry, rng);
    const country = parsePhoneNumberFromString(e164)?.country ?? '??';
    count(plan.formats, spelt.format);
    count(plan.countries, country);
    if (matched) {
      count(plan.matchedFormats, spelt.format);
      count(plan.matchedCountries, country);
    }
    plan.rows.push({ [o.nameField]: `Customer ${plan.rows.length + 1}`, [field]: spelt.spelling });
    return plan.rows.length - 1;
  };
  for (const c of chosen) plan.matchedChat.set(c.chatId, add(canonicalNumber(c.phone)!, true));
  while (plan.rows.length < o.records) {
    const country = OTHER_COUNTRIES[Math.floor(rng() * OTHER_COUNTRIES.length)]!;
    const e164 = randomPhoneNumber(country, rng);
    const key = phoneKey(e164, o.orgCountry);
    if (!key || taken.has(key)) continue; // never a chat's number by accident, never twice
    taken.add(key);
    plan.spares.push({ e164, row: add(e164, false) });
  }
  return plan;
}

/** Spanish mobiles for chats that must create their record (reserved: no seeded record holds one). */
export function unheldNumbers(n: number): string[] {
  return Array.from({ length: n }, (_, k) => `+34699${String(100000 + k).slice(-6)}`);
}

function count(into: Record<string, number>, k: string): void {
  into[k] = (into[k] ?? 0) + 1;
}

function shuffle<T>(list: T[], rng: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export interface Bounds {
  /** distinct 1:1 chats */
  chats: number;
  /** of which a record held the number before (matched: the chat link is written on it) */
  matched: number;
  /** of which need a new record */
  created: number;
  /** distinct (1:1 chat, day in the org's zone) = Notes */
  chatDays: number;
  attachments: number;
  messages: number;
  /** records in the module when the index was built */
  indexedRecords: number;
  /** ⌈indexed / 2,000⌉ + 1: COQL pages of 2,000 and one count */
  indexBuild: number;
  lowerBound: number;
  baseline: number;
}

/** The formula, as printed with the results and in docs/scaling.md. */
export const LOWER_BOUND_FORMULA =
  '(⌈R/2,000⌉ + 1) + 1 + ⌈created/100⌉ + ⌈matched/100⌉ + ⌈Notes/100⌉ + attachments';

/**
 * The least any correct connector spends on this workload: build the index of the module's R records
 * (COQL pages of 2,000 rows and one count), one read of what changed since before the first lookup,
 * new records 100 a call, the chat link on matched records 100 a call, each chat-day's Note 100 a
 * call, one upload per attachment (Zoho takes one file per call).
 */
export function boundsOf(expected: Expected[], matchedChats: ReadonlySet<string>, indexed: number): Bounds {
  const synced = expected.filter((e) => !e.isGroup && !e.optional);
  const chatIds = new Set(synced.map((e) => e.chatId));
  const matched = [...chatIds].filter((c) => matchedChats.has(c)).length;
  const created = chatIds.size - matched;
  const chatDays = new Set(synced.map((e) => `${e.chatId}|${e.day}`)).size;
  const attachments = synced.filter((e) => e.attachment).length;
  const indexBuild = Math.ceil(indexed / 2000) + 1;
  const lowerBound =
    indexBuild +
    1 +
    Math.ceil(created / 100) +
    Math.ceil(matched / 100) +
    Math.ceil(chatDays / 100) +
    attachments;
  // A Zapier-style flow: a lookup and a Note write per message, a create per new record.
  const baseline = 2 * synced.length + created;
  return {
    chats: chatIds.size,
    matched,
    created,
    chatDays,
    attachments,
    messages: synced.length,
    indexedRecords: indexed,
    indexBuild,
    lowerBound,
    baseline,
  };
}
