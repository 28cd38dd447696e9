/** State and actions of the reps' chat panel. Reads CRM data through the Host only. */
import type { Host } from '../host/host';
import { createStore, type Store } from '../store/store';
import {
  findChatLink,
  findPhone,
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
}

export interface PanelController {
  store: Store<PanelState>;
  start(): Promise<void>;
  toggleDay(id: string): void;
  showMore(): void;
}

export const DAYS_PAGE = 7;

export function createPanelController(host: Host): PanelController {
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
  });
  const set = store.set;

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
      set({
        phase: 'ready',
        chatUrl: findChatLink(record),
        phone: findPhone(record),
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
  };
}

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}
