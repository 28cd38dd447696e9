/**
 * The text of a day's Note: its title, its content, and who each line is from.
 *
 * The content is rebuilt from all of the day's messages on every write (not appended to), so late and
 * out-of-order messages land in their place and a redelivered message cannot appear twice.
 */
import type { MessageEvent } from '../timelines/events.js';
import { formatDayForTitle, localTime } from './dayGrouping.js';
import { toE164 } from './phone.js';
import { sliceWhole, truncateText } from './truncate.js';

/** Zoho's limit for Note_Title. */
export const NOTE_TITLE_MAX_LENGTH = 120;
/** Zoho's limit for Note_Content (about 32,000 characters; we stay at it, never over). */
export const NOTE_CONTENT_MAX_LENGTH = 32_000;

/**
 * Continuation lines (multi-line text, attachments) are indented by the width of `HH:mm `, so a text
 * line that happens to look like "10:35 Ana: hi" can never be mistaken for a message of its own.
 */
const CONTINUATION_INDENT = '      ';

/** One message as a Note shows it (the store's DayLine has this shape). */
export interface NoteLine {
  messageId: string;
  /** ISO 8601 instant */
  sentAt: string;
  author: string;
  text: string;
  attachmentNames: string[];
}

export interface NoteContentInput {
  /** The TimelinesAI chat URL, shown last; omitted when unknown. */
  chatUrl: string | undefined;
  messages: NoteLine[];
  /** IANA zone of the times shown (the org's, or the settings override): the same zone as the day. */
  timeZone: string;
  /**
   * Messages of this day that are no longer passed in (pruned from local storage): the content says
   * they exist instead of pretending the day started later. Default 0.
   */
  earlierMessagesNotShown?: number;
  /** Overrides NOTE_CONTENT_MAX_LENGTH (tests). */
  maxLength?: number;
}

/**
 * `WhatsApp chat with <name> (DD/MM/YYYY)`, at most NOTE_TITLE_MAX_LENGTH characters: a long name is
 * cut (with "…"), never the date, which is what tells a record's Notes apart.
 */
export function noteTitle(contactName: string, day: string): string {
  const prefix = 'WhatsApp chat with ';
  const suffix = ` (${formatDayForTitle(day)})`;
  const name = oneLine(contactName) || 'WhatsApp contact';
  return `${prefix}${truncateText(name, NOTE_TITLE_MAX_LENGTH - prefix.length - suffix.length)}${suffix}`;
}

/**
 * The Note's content: the messages in time order (ties broken by message id, so every rebuild gives
 * the same text), each `HH:mm <author>: <text>`, continuation lines indented, attachments as
 * `[attachment: name]`; then a blank line and the chat URL. Messages with the same id appear once
 * (the first given).
 *
 * When it would exceed the limit, the *oldest* messages are left out and a first line says how many:
 * the newest messages are what a rep opens the Note for, and the full chat is one click away. A single
 * message too long on its own is cut with a marker.
 */
export function renderNoteContent(input: NoteContentInput): string {
  const max = input.maxLength ?? NOTE_CONTENT_MAX_LENGTH;
  const linkLine = input.chatUrl ? `Chat in TimelinesAI: ${oneLine(input.chatUrl)}` : '';
  // Budgets count the blank line before the link even when nothing precedes it: simpler, and safe.
  const footer = linkLine ? `\n\n${linkLine}` : '';
  const blocks = orderedUnique(input.messages).map((line) => renderMessage(line, input.timeZone));
  const earlier = Math.max(0, Math.floor(input.earlierMessagesNotShown ?? 0));

  const all = blocks.join('\n');
  if (earlier === 0 && all.length + footer.length <= max) return assemble([all], linkLine);

  // Reserve room for the notice as long as it can get (all messages left out), then fill the rest
  // with as many of the newest messages as fit.
  const longestNotice = omittedNotice(earlier + blocks.length, linkLine !== '');
  const budget = Math.max(0, max - footer.length - longestNotice.length - 1);
  const kept: string[] = [];
  let used = 0;
  for (let i = blocks.length - 1; i >= 0; i--) {
    const block = blocks[i] ?? '';
    const cost = block.length + (kept.length > 0 ? 1 : 0);
    if (used + cost <= budget) {
      kept.unshift(block);
      used += cost;
    } else if (kept.length === 0) {
      kept.unshift(truncateText(block, budget, ' … [message cut: too long for a Zoho note]'));
      used = kept[0]?.length ?? 0;
    } else {
      break;
    }
  }
  const omitted = earlier + blocks.length - kept.length;
  const head = omitted > 0 ? omittedNotice(omitted, linkLine !== '') : '';
  return sliceWhole(assemble([head, ...kept], linkLine), max);
}

/** Message lines one per line, then a blank line and the chat link; empty parts leave no blank lines. */
function assemble(lines: string[], linkLine: string): string {
  const body = lines.filter((l) => l !== '').join('\n');
  return [body, linkLine].filter((part) => part !== '').join('\n\n');
}

function omittedNotice(count: number, hasLink: boolean): string {
  const messages =
    count === 1 ? '1 earlier message of this day is' : `${count} earlier messages of this day are`;
  return `[${messages} not shown in this note${hasLink ? '; the whole chat is in TimelinesAI (link below)' : ''}.]`;
}

function orderedUnique(lines: NoteLine[]): NoteLine[] {
  const seen = new Set<string>();
  const unique = lines.filter((line) => !seen.has(line.messageId) && seen.add(line.messageId));
  return unique
    .map((line) => ({ line, ms: Date.parse(line.sentAt) }))
    .sort((a, b) => a.ms - b.ms || compareText(a.line.messageId, b.line.messageId))
    .map(({ line }) => line);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function renderMessage(line: NoteLine, timeZone: string): string {
  const author = oneLine(line.author) || 'Unknown';
  const text = line.text
    .split(/\r\n|\r|\n/)
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/^\n+|\n+$/g, ''); // blank lines around the text add nothing
  const textLines = text === '' ? [] : text.split('\n');
  const body = [...textLines, ...line.attachmentNames.map((name) => `[attachment: ${oneLine(name)}]`)];
  const [first = '(no text)', ...rest] = body;
  return [
    `${localTime(line.sentAt, timeZone)} ${author}: ${first}`,
    ...rest.map((l) => (l === '' ? '' : `${CONTINUATION_INDENT}${l}`)),
  ].join('\n');
}

/** Names and URLs must stay on one line, or they would break the line structure. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Who wrote a message, as the Note shows it: for received messages the contact (WhatsApp's chat name,
 * else the sender's name, else the phone in E.164); for sent ones the WhatsApp account's full name
 * (else the sender's name, else "You").
 */
export function authorOf(event: Pick<MessageEvent, 'direction' | 'chat' | 'account' | 'senderName'>): string {
  if (event.direction === 'sent') {
    return nonBlank(event.account.fullName) ?? nonBlank(event.senderName) ?? 'You';
  }
  const phone = nonBlank(event.chat.phone);
  return (
    nonBlank(event.chat.name) ??
    nonBlank(event.senderName) ??
    (phone ? (toE164(phone) ?? phone) : undefined) ??
    'Contact'
  );
}

function nonBlank(text: string | undefined): string | undefined {
  const t = text === undefined ? undefined : oneLine(text);
  return t ? t : undefined;
}
