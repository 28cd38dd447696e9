/**
 * A generated, realistic set of TimelinesAI webhook payloads: several 1:1 chats over several days,
 * both directions, attachments, a group chat, a rename and redeliveries. Deterministic for a seed,
 * so demos, tests and benchmarks can check the CRM against what was sent.
 */
import { timelinesMessagePayload, timelinesTimestamp } from '../server/src/sandbox/messages.js';
import { seededRandom } from '../emulator/random.js';

export interface ConversationOptions {
  chats: number;
  messages: number;
  days: number;
  attachmentRate: number;
  groupRate: number;
  renameRate: number;
  redeliveryRate: number;
  filesBaseUrl: string;
  seed?: number;
  /** the last day of the conversation (UTC); default today */
  end?: Date;
  accountEmail?: string;
}

export interface GeneratedChat {
  chatId: string;
  phone: string;
  names: string[];
  isGroup: boolean;
}

export interface Conversation {
  chats: GeneratedChat[];
  /** in delivery order (redeliveries included) */
  payloads: ReturnType<typeof timelinesMessagePayload>[];
  /** distinct messages sent (without redeliveries) */
  messageCount: number;
}

const FIRST = [
  'Ana',
  'Luis',
  'Marta',
  'John',
  'Priya',
  'Chen',
  'Fatima',
  'Olga',
  'Pedro',
  'Sara',
  'Tom',
  'Yuki',
];
const LAST = ['García', 'Smith', 'Khan', 'Müller', 'Rossi', 'Silva', 'Novak', 'Kim', 'Dubois', 'Costa'];
const LINES = [
  'Hi! Is the offer still valid?',
  'Yes, until Friday. Shall I send the brochure?',
  'Please do, and the price list too.',
  'Sent. Let me know if you have questions.',
  'Can we meet on Tuesday at 10:00?',
  'Tuesday works. See you then 👍',
  'Thanks for the call today.',
  'Here is the signed contract.',
];
// Country codes and national number shapes that libphonenumber accepts as valid mobiles.
const PREFIXES = ['+1415555', '+34612', '+447700', '+4915112', '+5511987', '+52155', '+5491123'];
/** Length of the E.164 string (with +) for each prefix's numbering plan. */
const TOTAL_LENGTH: Record<string, number> = {
  '+1415555': 12,
  '+34612': 12,
  '+447700': 13,
  '+4915112': 14,
  '+5511987': 14,
  '+52155': 14,
  '+5491123': 14,
};

/** The workload's seeded random numbers (one generator for the emulators, the bench and chaos). */
export const mulberry32 = seededRandom;

/** A distinct, valid mobile number per chat index: the prefix, then the index zero-padded. */
function phoneFor(i: number): string {
  const prefix = PREFIXES[i % PREFIXES.length]!;
  const total = TOTAL_LENGTH[prefix] ?? 12;
  const room = total - prefix.length;
  const serial = Math.floor(i / PREFIXES.length) % 10 ** room;
  return prefix + String(serial).padStart(room, '0');
}

export function generateConversation(o: ConversationOptions): Conversation {
  const rnd = mulberry32(o.seed ?? 42);
  const end = o.end ?? new Date();
  const endDay = Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), end.getUTCDate());
  const chats: GeneratedChat[] = Array.from({ length: o.chats }, (_, i) => {
    const isGroup = rnd() < o.groupRate;
    const name = rnd() < 0.15 ? '' : `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}`;
    return { chatId: String(100000 + i), phone: phoneFor(i), names: [name], isGroup };
  });
  const payloads: Conversation['payloads'] = [];
  for (let m = 0; m < o.messages; m++) {
    const chat = chats[Math.floor(rnd() * chats.length)]!;
    if (chat.names.length === 1 && rnd() < o.renameRate / Math.max(1, o.messages / o.chats)) {
      chat.names.push(`${chat.names[0] || 'Client'} (${['ACME', 'Globex', 'Initech'][m % 3]})`);
    }
    const day = Math.floor(rnd() * o.days);
    const at = new Date(endDay - day * 86_400_000 + Math.floor(rnd() * 86_400_000));
    const payload = timelinesMessagePayload({
      phone: chat.phone,
      name: chat.names[chat.names.length - 1],
      text: `${LINES[m % LINES.length]} (#${m})`,
      direction: rnd() < 0.5 ? 'received' : 'sent',
      attachment: rnd() < o.attachmentRate,
      chatId: chat.chatId,
      isGroup: chat.isGroup,
      timestamp: timelinesTimestamp(at),
      messageId: `msg-${o.seed ?? 42}-${m}`,
      accountEmail: o.accountEmail ?? 'admin@sandbox.test',
      filesBaseUrl: o.filesBaseUrl,
    });
    payloads.push(payload);
    if (rnd() < o.redeliveryRate) payloads.push(payload);
  }
  return { chats, payloads, messageCount: o.messages };
}
