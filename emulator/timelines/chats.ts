/**
 * Chats, their history and sending. Sends are checked in the order a client would meet the
 * problems: unknown chat (404), malformed message (400), unknown file (400), disconnected WhatsApp
 * account (400, "… is disconnected"), quota (402, "Message sending quota exceeded"). TimelinesAI does
 * not document its status codes for the last two; the words are what clients can rely on.
 */
import type { Request, Response, Router } from 'express';
import type { ApiContext } from './api.js';
import { ApiError, sendOk, workspaceOf } from './http.js';
import { normalisePhone } from './state.js';
import type { AccountRec, ChatRec, MessageRec, WorkspaceRec } from './types.js';

const DAY_MS = 86_400_000;

function queryString(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ApiError(400, `${name} must be given once`);
  return v.trim() === '' ? undefined : v.trim();
}

function queryBool(req: Request, name: string): boolean | undefined {
  const v = queryString(req, name)?.toLowerCase();
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ApiError(400, `${name} must be true or false`);
}

function queryPage(req: Request): number {
  const v = queryString(req, 'page') ?? '1';
  if (!/^\d{1,7}$/.test(v) || Number(v) < 1) throw new ApiError(400, 'page must be a positive integer');
  return Number(v);
}

/** An ISO date or date-time; a bare date used as an upper bound means the end of that day (UTC). */
function queryInstant(req: Request, name: string, upper: boolean): number | undefined {
  const v = queryString(req, name);
  if (v === undefined) return undefined;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const ms = Date.parse(dateOnly ? `${v}T00:00:00Z` : v);
  if (!Number.isFinite(ms)) throw new ApiError(400, `${name} must be a date or datetime in ISO format`);
  return dateOnly && upper ? ms + DAY_MS - 1 : ms;
}

function list(req: Request, name: string): string[] | undefined {
  return queryString(req, name)
    ?.split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

function paged<T>(items: T[], page: number, size: number): { items: T[]; more: boolean } {
  return { items: items.slice((page - 1) * size, page * size), more: page * size < items.length };
}

function chatOf(ws: WorkspaceRec, req: Request): ChatRec {
  const raw = String(req.params.chat_id);
  const chat = /^\d{1,12}$/.test(raw) ? ws.chats.get(Number(raw)) : undefined;
  if (!chat) throw new ApiError(404, 'Chat not found');
  return chat;
}

export function chatRoutes(r: Router, ctx: ApiContext): void {
  r.get('/chats', (req, res) => {
    const ws = workspaceOf(res);
    const labels = list(req, 'label');
    const accounts = list(req, 'whatsapp_account_id');
    const responsible = list(req, 'responsible');
    const names = list(req, 'name');
    const group = queryBool(req, 'group');
    const read = queryBool(req, 'read');
    const closed = queryBool(req, 'closed');
    const after = queryInstant(req, 'created_after', false);
    const before = queryInstant(req, 'created_before', true);
    const page = queryPage(req);
    const chats = [...ws.chats.values()]
      .filter(
        (c) =>
          (!labels || c.labels.some((l) => labels.includes(l.toLowerCase()))) &&
          (!accounts || accounts.includes(c.accountId.toLowerCase())) &&
          (!responsible || responsible.includes((c.responsibleEmail ?? '').toLowerCase())) &&
          (!names || names.some((n) => c.name.toLowerCase().includes(n))) &&
          (group === undefined || c.isGroup === group) &&
          (read === undefined || c.read === read) &&
          (closed === undefined || c.closed === closed) &&
          (after === undefined || c.createdAt >= after) &&
          (before === undefined || c.createdAt <= before),
      )
      .sort((a, b) => b.id - a.id); // newest chats first (TimelinesAI does not document the order)
    const p = paged(chats, page, ctx.pageSize());
    sendOk(res, { has_more_pages: p.more, chats: p.items.map((c) => ctx.views.chat(ws, c)) });
  });

  r.get('/chats/:chat_id', (req, res) => {
    const ws = workspaceOf(res);
    sendOk(res, ctx.views.chat(ws, chatOf(ws, req)));
  });

  r.get('/chats/:chat_id/messages', (req, res) => {
    const ws = workspaceOf(res);
    const chat = chatOf(ws, req);
    const fromMe = queryBool(req, 'from_me');
    const after = queryInstant(req, 'after', false);
    const before = queryInstant(req, 'before', true);
    const afterUid = queryString(req, 'after_message');
    const page = queryPage(req);
    let messages = ws.messages.get(chat.id) ?? [];
    if (afterUid !== undefined) {
      const anchor = messages.find((m) => m.uid === afterUid);
      if (!anchor) throw new ApiError(400, 'after_message: no such message in this chat');
      messages = messages.filter((m) => m.at > anchor.at || (m.at === anchor.at && m.uid > anchor.uid));
    }
    messages = messages.filter(
      (m) =>
        (fromMe === undefined || m.fromMe === fromMe) &&
        (after === undefined || m.at >= after) &&
        (before === undefined || m.at <= before),
    );
    if (ctx.messageOrder() === 'newest_first') messages = [...messages].reverse();
    const p = paged(messages, page, ctx.pageSize());
    sendOk(res, { has_more_pages: p.more, messages: p.items.map((m) => ctx.views.message(ws, m)) });
  });

  r.post('/chats/:chat_id/messages', (req, res) => {
    const ws = workspaceOf(res);
    const chat = chatOf(ws, req);
    send(ctx, req, res, ws, chat, 'chat', false);
  });

  r.post('/messages', (req, res) => {
    const ws = workspaceOf(res);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const phone = normalisePhone(b.phone);
    if (!phone)
      throw new ApiError(400, 'phone must be a phone number in international format, e.g. +14840000000');
    let account: AccountRec | undefined;
    if (b.whatsapp_account_phone !== undefined) {
      account =
        typeof b.whatsapp_account_phone === 'string'
          ? ctx.state.account(ws, b.whatsapp_account_phone)
          : undefined;
      if (!account)
        throw new ApiError(400, 'whatsapp_account_phone: no such WhatsApp account in the workspace');
    } else {
      account = ctx.state.defaultAccount(ws);
      if (!account) throw new ApiError(400, 'No connected WhatsApp account in the workspace: reconnect one');
    }
    let chat = ctx.state.directChat(ws, account.id, phone);
    const newChat = chat === undefined;
    if (!chat) {
      // Checked before the chat exists, so a refused send leaves no empty chat behind.
      validateSend(ctx, ws, b, account);
      const name = typeof b.chat_name === 'string' && b.chat_name.trim() ? b.chat_name.trim() : phone;
      chat = ctx.state.addChat(ws.id, { accountId: account.id, phone, name });
    }
    send(ctx, req, res, ws, chat, 'phone', newChat);
  });
}

/** The checks of a send, in TimelinesAI's order; returns the credits it costs. */
function validateSend(
  ctx: ApiContext,
  ws: WorkspaceRec,
  b: Record<string, unknown>,
  account: AccountRec | undefined,
) {
  if (b.text !== undefined && b.text !== null && typeof b.text !== 'string')
    throw new ApiError(400, 'text must be a string');
  const text = typeof b.text === 'string' ? b.text : '';
  const fileUid = typeof b.file_uid === 'string' && b.file_uid !== '' ? b.file_uid : undefined;
  if (b.file_uid !== undefined && b.file_uid !== null && typeof b.file_uid !== 'string') {
    throw new ApiError(400, 'file_uid must be a string');
  }
  if (text.trim() === '' && !fileUid) throw new ApiError(400, 'Either text or file_uid is required');
  if (text.length > 65_536) throw new ApiError(400, 'text is too long (65536 characters at most)');
  if (fileUid && !ws.files.has(fileUid)) throw new ApiError(400, 'file_uid: no such uploaded file');
  if (!account?.connected) {
    throw new ApiError(
      400,
      'The WhatsApp account is disconnected: reconnect it in TimelinesAI to send messages',
    );
  }
  const credits = text.trim() !== '' && fileUid ? 2 : 1;
  if (ws.quota.used + credits > ws.quota.total) throw new ApiError(402, 'Message sending quota exceeded');
  return { text: text.trim() === '' ? '' : text, fileUid, credits };
}

function send(
  ctx: ApiContext,
  req: Request,
  res: Response,
  ws: WorkspaceRec,
  chat: ChatRec,
  via: 'chat' | 'phone',
  newChat: boolean,
): void {
  const receivedAt = ctx.state.now();
  const b = (req.body ?? {}) as Record<string, unknown>;
  const account = ws.accounts.find((a) => a.id === chat.accountId);
  const { text, fileUid, credits } = validateSend(ctx, ws, b, account);
  let replyTo: string | undefined;
  if (typeof b.reply_to === 'string' && b.reply_to !== '') {
    if (!ws.messages.get(chat.id)?.some((m) => m.uid === b.reply_to)) {
      throw new ApiError(400, 'reply_to must reference a message of the same chat');
    }
    replyTo = b.reply_to;
  }
  if (typeof b.label === 'string' && b.label.trim() && !chat.labels.includes(b.label.trim())) {
    chat.labels.push(b.label.trim());
  }
  ws.quota.used += credits;
  const message: MessageRec = ctx.state.addMessage(ws, {
    chatId: chat.id,
    at: receivedAt,
    fromMe: true,
    text,
    senderName: account!.ownerName,
    senderPhone: account!.phone,
    recipientName: chat.name,
    recipientPhone: chat.phone,
    origin: 'Public API',
    status: 'Pending',
    fileUid,
    replyTo,
  });
  ctx.outbox.accept({ ws, chat, message, via, credits, receivedAt, newChat });
  sendOk(res, { message_uid: message.uid });
}
