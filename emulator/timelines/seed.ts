/**
 * Deterministic message history for a workspace: `chats` chats (1:1 with Spanish mobile numbers,
 * some groups), `messages` messages spread over the last `days` days, every chat with at least one,
 * both directions, some with a small attachment. The same seed gives the same history.
 */
import type { TimelinesState } from './state.js';
import type { AccountRec, ChatRec, WorkspaceRec } from './types.js';
import { seededRandom } from '../random.js';

export interface HistorySeed {
  chats?: number;
  messages?: number;
  days?: number;
  /** Share of group chats, 0–1. Default 0 (group chats are never synced; tests add them on purpose). */
  groupShare?: number;
  /** Every n-th message carries an attachment (0: none). Default 10. */
  attachmentEvery?: number;
  /** The newest message is before this instant. Default now. */
  endAt?: number;
  seed?: number;
  /** The account the chats belong to (default the workspace's first). */
  accountId?: string;
  /** Every text ends with ` #<n>` (n from 1), so each message can be found once in a Note. */
  numbered?: boolean;
}

export interface SeededHistory {
  chats: ChatRec[];
  messages: number;
  attachments: number;
}

const FIRST = [
  'Ana',
  'Luis',
  'Marta',
  'Jorge',
  'Lucía',
  'Pablo',
  'Elena',
  'Diego',
  'Sara',
  'Hugo',
  'Irene',
  'Raúl',
];
const LAST = ['García', 'Martín', 'López', 'Sánchez', 'Pérez', 'Gómez', 'Ruiz', 'Díaz', 'Moreno', 'Romero'];
const PHRASES = [
  'Hola, ¿tienen disponibilidad esta semana?',
  'Gracias, le envío el presupuesto.',
  '¿Podemos hablar mañana a las 10?',
  'Perfecto, queda confirmado.',
  'Adjunto la documentación.',
  '¿Cuál es el plazo de entrega?',
  'Le llamo en cinco minutos.',
  'Recibido, muchas gracias 👍',
];

export function seedHistory(state: TimelinesState, ws: WorkspaceRec, opts: HistorySeed = {}): SeededHistory {
  const chatCount = opts.chats ?? 30;
  const messageCount = Math.max(opts.messages ?? 300, chatCount);
  const days = opts.days ?? 30;
  const endAt = opts.endAt ?? state.now();
  const startAt = endAt - days * 86_400_000;
  const rand = seededRandom(opts.seed ?? 1);
  const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)]!;
  const account: AccountRec | undefined = opts.accountId ? state.account(ws, opts.accountId) : ws.accounts[0];
  if (!account) throw new Error('timelines emulator: add a WhatsApp account before seeding history');

  const chats: ChatRec[] = [];
  const used = new Set([...ws.chats.values()].map((c) => c.phone));
  for (let i = 0; i < chatCount; i += 1) {
    const isGroup = rand() < (opts.groupShare ?? 0);
    let phone: string | undefined;
    while (!isGroup && (phone === undefined || used.has(phone))) {
      phone = `+346${String(Math.floor(rand() * 1e8)).padStart(8, '0')}`; // +34 6xx: Spanish mobiles
    }
    if (phone) used.add(phone);
    const name = isGroup ? `Equipo ${pick(LAST)} ${i + 1}` : `${pick(FIRST)} ${pick(LAST)}`;
    chats.push(state.addChat(ws.id, { accountId: account.id, phone, name, isGroup, createdAt: startAt }));
  }

  let attachments = 0;
  const every = opts.attachmentEvery ?? 10;
  for (let i = 0; i < messageCount; i += 1) {
    const chat = i < chats.length ? chats[i]! : pick(chats);
    const at = startAt + Math.floor(rand() * (endAt - startAt - 1000));
    const fromMe = rand() < 0.45;
    const contactName = chat.isGroup ? `${pick(FIRST)} ${pick(LAST)}` : chat.name;
    const contactPhone = chat.isGroup
      ? `+346${String(Math.floor(rand() * 1e8)).padStart(8, '0')}`
      : chat.phone;
    let fileUid: string | undefined;
    if (every > 0 && i % every === every - 1) {
      const file = state.addFile(ws, {
        filename: `documento-${i + 1}.txt`,
        mimetype: 'text/plain',
        data: Buffer.from(`Documento ${i + 1} del chat ${chat.id}\n`),
      });
      fileUid = file.uid;
      attachments += 1;
    }
    state.addMessage(ws, {
      chatId: chat.id,
      at,
      fromMe,
      text: fileUid && rand() < 0.5 ? '' : `${pick(PHRASES)}${opts.numbered ? ` #${i + 1}` : ''}`,
      senderName: fromMe ? account.ownerName : contactName,
      senderPhone: fromMe ? account.phone : contactPhone,
      recipientName: fromMe ? chat.name : account.ownerName,
      recipientPhone: fromMe ? chat.phone : account.phone,
      origin: 'WhatsApp',
      status: fromMe ? 'Read' : 'Sent',
      fileUid,
      replyTo: undefined,
    });
  }
  return { chats, messages: messageCount, attachments };
}
