/**
 * TimelinesAI event names, in every spelling seen in the wild.
 *
 * TimelinesAI's documentation names `message:new`, `message:received:new` and `message:sent:new`, but
 * webhooks configured at different times, proxies (Zapier/Make re-posts) and older accounts use other
 * spellings: `message:created`, `message.received`, `message_received`, `messageReceived`,
 * `message:sent` … Rather than listing every spelling, a name is split into words and classified by the
 * words it is made of, so a new separator or word order does not silently turn messages into
 * "unsupported" events.
 */

export type Direction = 'sent' | 'received';

export type EventNameMeaning =
  /** A new-message event; `direction` is undefined when the name does not say (message:new). */
  | { kind: 'message'; direction: Direction | undefined }
  /** Anything else (chat:new, message:updated, message:deleted …): acknowledged, not synced. */
  | { kind: 'other' };

const MESSAGE_WORDS = new Set(['message', 'messages', 'msg']);
/** Words that only say "a message came into existence", whatever its direction. */
const NEW_WORDS = new Set(['new', 'created', 'create', 'added', 'add']);
const RECEIVED_WORDS = new Set(['received', 'receive', 'incoming', 'inbound', 'in']);
const SENT_WORDS = new Set(['sent', 'send', 'outgoing', 'outbound', 'out']);

/**
 * Canonical spelling of an event name: lower case, words separated by `:`.
 * `message.received` / `message_received` / `Message-Received` / `messageReceived` → `message:received`.
 */
export function normaliseEventName(name: string): string {
  return name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1:$2') // camelCase word boundaries
    .toLowerCase()
    .split(/[\s:._\-/]+/)
    .filter((word) => word !== '')
    .join(':');
}

/**
 * The direction a single word names ('sent', 'incoming' …), or undefined. Shared with the payload's
 * `message.direction` field, which uses the same vocabulary.
 */
export function directionOfWord(word: string): Direction | undefined {
  const w = word.trim().toLowerCase();
  if (RECEIVED_WORDS.has(w)) return 'received';
  if (SENT_WORDS.has(w)) return 'sent';
  return undefined;
}

/**
 * What an event name means for the sync. A name is a new-message event when it contains a "message"
 * word and every other word is a "new", "received" or "sent" word, without contradicting itself
 * (`message:sent:received` is not a message event we can trust).
 */
export function classifyEventName(name: string): EventNameMeaning {
  // Every webhook asks, and a sender uses one or two names: the answers are remembered (frozen).
  const known = meanings.get(name);
  if (known) return known;
  const meaning = Object.freeze(classify(name));
  if (name.length <= 100) {
    if (meanings.size >= 1000) meanings.clear();
    meanings.set(name, meaning);
  }
  return meaning;
}

const meanings = new Map<string, EventNameMeaning>();

function classify(name: string): EventNameMeaning {
  const words = normaliseEventName(name)
    .split(':')
    .filter((w) => w !== '');
  const messageWords = words.filter((w) => MESSAGE_WORDS.has(w));
  if (messageWords.length !== 1) return { kind: 'other' };

  let direction: Direction | undefined;
  for (const word of words) {
    if (MESSAGE_WORDS.has(word) || NEW_WORDS.has(word)) continue;
    const wordDirection = directionOfWord(word);
    if (wordDirection === undefined) return { kind: 'other' }; // message:updated, message:deleted …
    if (direction !== undefined && direction !== wordDirection) return { kind: 'other' };
    direction = wordDirection;
  }
  return { kind: 'message', direction };
}
