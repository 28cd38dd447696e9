/**
 * Checks of a history import against the emulators: every WhatsApp message of the emulated
 * TimelinesAI since a day is on exactly one Note of its chat's record, and every attachment is on it.
 */
import type { ChatRec, MessageRec, TimelinesEmulator } from '../../emulator/timelines/index.js';
import type { EmulatorStateApi } from '../../emulator/zoho/api.js';

export interface NoteCheck {
  messages: number;
  /** messages whose text is on no Note, or on more than one / more than once */
  missing: string[];
  repeated: string[];
  /** attachments not on the day's Note */
  missingFiles: string[];
  /** chat-days (distinct chat and day in the org's time zone) */
  chatDays: number;
  records: number;
  attachments: number;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function checkNotes(opts: {
  zoho: EmulatorStateApi;
  orgId: string;
  tl: TimelinesEmulator;
  wsId: string;
  /** messages at or after this instant (ms) */
  since: number;
  timeZone: string;
  module?: string;
}): NoteCheck {
  const { zoho, orgId, tl, wsId } = opts;
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: opts.timeZone, dateStyle: 'short' });
  const records = zoho.records(orgId, opts.module ?? 'Contacts') as Record<string, unknown>[];
  const out: NoteCheck = {
    messages: 0,
    missing: [],
    repeated: [],
    missingFiles: [],
    chatDays: 0,
    records: 0,
    attachments: 0,
  };
  const chats: ChatRec[] = tl.chats(wsId).filter((c) => !c.isGroup);
  for (const chat of chats) {
    const messages: MessageRec[] = tl.messages(wsId, chat.id).filter((m) => m.at >= opts.since);
    if (messages.length === 0) continue;
    const record = records.find((r) => r.Mobile === chat.phone || r.Phone === chat.phone);
    out.messages += messages.length;
    out.chatDays += new Set(messages.map((m) => day.format(m.at))).size;
    if (!record) {
      out.missing.push(...messages.map(() => `${chat.id}: no record`));
      continue;
    }
    out.records += 1;
    const notes = zoho.notes(orgId, String(record.id)) as { id: string; Note_Content: string }[];
    const files = notes.flatMap((n) => zoho.attachments(orgId, n.id).map((a) => a.fileName));
    for (const m of messages) {
      if (m.text) {
        const re = new RegExp(`${escape(m.text)}(?!\\d)`, 'g');
        const hits = notes.reduce((k, n) => k + (n.Note_Content.match(re)?.length ?? 0), 0);
        if (hits === 0) out.missing.push(`${chat.id}: ${m.text}`);
        if (hits > 1) out.repeated.push(`${chat.id}: ${m.text}`);
      }
      if (m.fileUid) {
        out.attachments += 1;
        const name = tl.workspace(wsId).files.get(m.fileUid)?.filename ?? '?';
        if (files.filter((f) => f === name).length !== 1) out.missingFiles.push(`${chat.id}: ${name}`);
      }
    }
  }
  return out;
}
