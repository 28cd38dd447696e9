/** State and actions of the reps' chat panel. Reads CRM data through the Host only. */
import type { PanelClient } from '../api/panelClient';
import type { Host } from '../host/host';
import { createStore, type Store } from '../store/store';
import {
  createComposer,
  emptyComposer,
  type Composer,
  type ComposerState,
  type ComposerTarget,
} from './composer';
import {
  findChatLink,
  findPhone,
  isTestChatLink,
  lastMessage,
  whatsappDays,
  type LastMessage,
  type WhatsAppDay,
} from './logic';

export interface PanelState {
  phase: 'loading' | 'no-record' | 'error' | 'ready';
  error: string | null;
  chatUrl: string | null;
  phone: string | null;
  /** The last message's time as the newest Note writes it. */
  lastMessage: LastMessage | null;
  /** The zone the Notes' times are in (the org's), when the CRM tells; the browser's zone. */
  noteTimeZone: string | null;
  browserTimeZone: string;
  days: WhatsAppDay[];
  /** Note ids shown expanded. */
  expanded: Record<string, boolean>;
  /** How many days are listed (the rest behind "Show older days"). */
  visible: number;
  /** Whether the composer is offered (a backend to send through, a record with a chat or a number). */
  canCompose: boolean;
  composer: ComposerState;
}

export interface PanelController extends Composer {
  store: Store<PanelState>;
  start(): Promise<void>;
  toggleDay(id: string): void;
  showMore(): void;
}

/** After a send, the Notes are read again this long after (the message comes back through the sync). */
export const REFRESH_AFTER_SEND_MS = [4000, 12000];

export const DAYS_PAGE = 7;

export function createPanelController(host: Host, client?: PanelClient): PanelController {
  const store = createStore<PanelState>({
    phase: 'loading',
    error: null,
    chatUrl: null,
    phone: null,
    lastMessage: null,
    noteTimeZone: null,
    browserTimeZone: browserTimeZone(),
    days: [],
    expanded: {},
    visible: DAYS_PAGE,
    canCompose: false,
    composer: emptyComposer(),
  });
  const set = store.set;
  let target: ComposerTarget | null = null;
  const composer = client
    ? createComposer({
        store,
        host,
        client,
        target: () => target,
        onSent: () => {
          for (const ms of REFRESH_AFTER_SEND_MS) setTimeout(() => void refreshNotes(), ms);
        },
      })
    : undefined;

  /** The Notes again (a sent message arrived), without touching the composer or what is expanded. */
  async function refreshNotes() {
    if (!target) return;
    try {
      const days = whatsappDays(await host.getNotes(target.module, target.recordId));
      set((s) => ({
        days,
        lastMessage: lastMessage(days),
        expanded: days[0] ? { ...s.expanded, [days[0].id]: true } : s.expanded,
      }));
    } catch {
      // the list stays as it was; the next open reads it
    }
  }

  async function start() {
    set({ phase: 'loading', error: null });
    try {
      const ctx = await host.init();
      if (!ctx.module || !ctx.recordId) {
        set({ phase: 'no-record' });
        return;
      }
      const [record, notes, noteTimeZone] = await Promise.all([
        host.getRecord(ctx.module, ctx.recordId),
        host.getNotes(ctx.module, ctx.recordId),
        // Only to name the zone next to the times: the panel works without it.
        host.getOrgTimeZone().catch(() => null),
      ]);
      if (!record) {
        set({
          phase: 'error',
          error: 'This record could not be read. It may have been deleted, or you may not have access to it.',
        });
        return;
      }
      const days = whatsappDays(notes);
      const newest = days[0];
      const chatUrl = findChatLink(record);
      const phone = findPhone(record);
      const created = typeof record.Created_Time === 'string' ? record.Created_Time : null;
      target = created ? { module: ctx.module, recordId: ctx.recordId, createdTime: created } : null;
      set({
        phase: 'ready',
        chatUrl,
        phone,
        // Never from the integration's test record: its number is a fictional one.
        canCompose: !!composer && !!target && !isTestChatLink(chatUrl) && (!!chatUrl || !!phone),
        lastMessage: lastMessage(days),
        noteTimeZone,
        days,
        expanded: newest ? { [newest.id]: true } : {},
        visible: DAYS_PAGE,
      });
    } catch (err) {
      set({ phase: 'error', error: err instanceof Error ? err.message : String(err) });
    }
  }

  return {
    store,
    start,
    toggleDay: (id) => set((s) => ({ expanded: { ...s.expanded, [id]: !s.expanded[id] } })),
    showMore: () => set((s) => ({ visible: s.visible + DAYS_PAGE })),
    setText: (text) => composer?.setText(text),
    setFile: (file) => composer?.setFile(file),
    send: async () => composer?.send(),
  };
}

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}
