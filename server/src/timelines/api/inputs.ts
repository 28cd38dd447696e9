/**
 * Checks of what callers pass to TimelinesClient, before anything is sent: a wrong input fails at
 * once with a TimelinesError 'validation' saying what is wrong and what to do, instead of costing
 * an API call (TimelinesAI counts every call against the workspace's monthly limit).
 */
import { TimelinesError } from './errors.js';

/** WhatsApp's longest text message. */
export const MAX_TEXT_LENGTH = 65_536;
/** TimelinesAI's largest upload (documents; images, audio and video are limited to 16 MB). */
export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

export interface SendInput {
  /** Plain text; `\n` for line breaks. Required unless `fileUid` is given. */
  text?: string | undefined;
  /** An uploaded file (`uploadFile(...).uid`). */
  fileUid?: string | undefined;
  /** The uid of a message of the same chat this one answers. */
  replyTo?: string | undefined;
}

export interface UploadInput {
  data: Uint8Array | ArrayBuffer | Blob;
  filename: string;
  contentType?: string | undefined;
}

export interface ChatFilters {
  /** Chats with at least one of these labels. */
  labels?: string[];
  /** Chats of these WhatsApp accounts (JIDs). */
  whatsappAccountIds?: string[];
  /** true: group chats only; false: 1:1 chats only. */
  group?: boolean;
  /** Chats assigned to these users (emails). */
  responsible?: string[];
  /** Chats whose name contains this. */
  name?: string;
  read?: boolean;
  closed?: boolean;
  createdAfter?: Date | string;
  createdBefore?: Date | string;
}

export interface MessageFilters {
  /** true: messages sent from the workspace's accounts; false: received ones. */
  fromMe?: boolean;
  /** Messages at or after this instant (inclusive). */
  after?: Date | string;
  /** Messages at or before this instant (inclusive). */
  before?: Date | string;
  /** Messages after the one with this uid. */
  afterMessage?: string;
}

function invalid(message: string): TimelinesError {
  return new TimelinesError(message, { code: 'validation' });
}

export function checkChatId(value: string | number): string {
  const text = String(value).trim();
  if (!/^\d{1,20}$/.test(text))
    throw invalid(`chat id must be TimelinesAI's number for the chat, got "${text.slice(0, 40)}"`);
  return text;
}

export function checkUid(value: string, name: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!/^[A-Za-z0-9._:-]{1,200}$/.test(text))
    throw invalid(`${name} must be a TimelinesAI id (letters, digits, dashes)`);
  return text;
}

/** `+1 (415) 555-1234` → `+14155551234`; anything without a country code is refused. */
export function checkPhone(value: string, name: string): string {
  const compact = typeof value === 'string' ? value.replace(/[\s().-]/g, '') : '';
  if (!/^\+\d{8,15}$/.test(compact)) {
    throw invalid(
      `${name} must be a phone number in international format with its country code, e.g. +14155551234`,
    );
  }
  return compact;
}

export function checkSend(input: SendInput): Record<string, string> {
  const body: Record<string, string> = {};
  if (input.text !== undefined) {
    if (typeof input.text !== 'string') throw invalid('text must be a string');
    if (input.text.length > MAX_TEXT_LENGTH) {
      throw invalid(
        `The message is longer than WhatsApp allows (${MAX_TEXT_LENGTH} characters); shorten it.`,
      );
    }
    if (input.text.trim() !== '') body.text = input.text;
  }
  if (input.fileUid !== undefined) body.file_uid = checkUid(input.fileUid, 'fileUid');
  if (input.replyTo !== undefined && input.replyTo !== '') body.reply_to = checkUid(input.replyTo, 'replyTo');
  if (body.text === undefined && body.file_uid === undefined) {
    throw invalid('The message is empty: write a text or attach a file.');
  }
  return body;
}

export function checkWebhook(input: { eventType: string; url: string }): { eventType: string; url: string } {
  const eventType = typeof input.eventType === 'string' ? input.eventType.trim() : '';
  if (!/^[a-z]+(?::[a-z_]+){1,4}$/.test(eventType)) {
    throw invalid('eventType must be a TimelinesAI event name such as "message:sent:new"');
  }
  let url: URL;
  try {
    url = new URL(String(input.url));
  } catch {
    throw invalid('The webhook URL must be an absolute http(s) URL');
  }
  if (!/^https?:$/.test(url.protocol) || url.username || url.password || url.href.length > 2048) {
    throw invalid(
      'The webhook URL must be an absolute http(s) URL without user or password, under 2048 characters',
    );
  }
  return { eventType, url: url.href };
}

export function checkPage(page: number): number {
  if (!Number.isInteger(page) || page < 1 || page > 1_000_000)
    throw invalid('page must be a whole number ≥ 1');
  return page;
}

/** A Date or an ISO date/date-time → what TimelinesAI's filters take (ISO, seconds, UTC). */
export function instant(value: Date | string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value.trim())) return value.trim();
  const ms = value instanceof Date ? value.getTime() : Date.parse(String(value));
  if (!Number.isFinite(ms)) throw invalid(`${name} must be a date or an ISO 8601 date-time`);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Comma-separated filter values (TimelinesAI's OR within one filter). */
export function list(values: string[] | undefined): string | undefined {
  const items = (values ?? []).map((v) => String(v).trim()).filter((v) => v !== '');
  if (items.some((v) => v.includes(','))) throw invalid('filter values cannot contain commas');
  return items.length > 0 ? items.join(',') : undefined;
}

export function checkUpload(input: UploadInput): {
  blob: Blob;
  filename: string;
  contentType: string | undefined;
} {
  const contentType = input.contentType?.trim() || undefined;
  if (contentType !== undefined && !/^[\w.+-]+\/[\w.+-]+(?:\s*;.*)?$/.test(contentType)) {
    throw invalid('contentType must be a MIME type such as application/pdf');
  }
  const data = input.data;
  const blob =
    data instanceof Blob
      ? data
      : new Blob([data instanceof ArrayBuffer ? new Uint8Array(data) : data], { type: contentType ?? '' });
  if (blob.size === 0) throw invalid('The file is empty.');
  if (blob.size > MAX_UPLOAD_BYTES) throw invalid('The file is larger than TimelinesAI accepts (100 MB).');
  const filename =
    String(input.filename ?? '')
      .split(/[\\/]/)
      .pop()!
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f"]/g, '')
      .trim()
      .slice(0, 200) || 'file';
  return { blob, filename, contentType };
}
