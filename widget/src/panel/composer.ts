/**
 * The chat panel's composer: a text and a file the rep picks, sent as WhatsApp from TimelinesAI into
 * the record's chat (or to its number). The panel first gets a ticket from the backend (who is
 * signed in, which record: the backend checks both with Zoho, see README "Security"), kept for its
 * lifetime; the backend's refusals are shown as they are written, for the rep.
 */
import { ApiError } from '../api/client';
import type { PanelClient, PanelTicketAnswer } from '../api/panelClient';
import type { Host } from '../host/host';
import type { Store } from '../store/store';

/** WhatsApp's media limit; the backend refuses bigger files too. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export interface ComposerState {
  text: string;
  file: File | null;
  sending: boolean;
  error: string | null;
  /** A short confirmation of the last send. */
  sent: string | null;
  /** Why nothing can be sent from this record (from the backend), once asked. */
  cannotSend: string | null;
}

export const emptyComposer = (): ComposerState => ({
  text: '',
  file: null,
  sending: false,
  error: null,
  sent: null,
  cannotSend: null,
});

export interface ComposerTarget {
  module: string;
  recordId: string;
  /** The record's Created_Time as the panel read it. */
  createdTime: string;
}

export interface Composer {
  setText(text: string): void;
  setFile(file: File | null): void;
  send(): Promise<void>;
}

export function createComposer(opts: {
  store: Store<{ composer: ComposerState }>;
  host: Host;
  client: PanelClient;
  target: () => ComposerTarget | null;
  /** After a send: read the Notes again a little later (the message arrives through the sync). */
  onSent: () => void;
  now?: () => number;
}): Composer {
  const { store, host, client } = opts;
  const now = opts.now ?? Date.now;
  const patch = (p: Partial<ComposerState>) => store.set((s) => ({ composer: { ...s.composer, ...p } }));
  let ticket: PanelTicketAnswer | null = null;

  async function getTicket(): Promise<PanelTicketAnswer> {
    // Renewed a minute before it expires: a send never races its expiry.
    if (ticket && Date.parse(ticket.expiresAt) - now() > 60_000) return ticket;
    const target = opts.target();
    if (!target) throw new Error('Open this panel on a record to send WhatsApp messages.');
    const [user, orgId] = await Promise.all([host.getCurrentUser(), host.getOrgId()]);
    if (!user?.id || !orgId) throw new Error('Zoho CRM did not say who is signed in: reload the page.');
    ticket = await client.ticket({ orgId, userId: user.id, ...target });
    return ticket;
  }

  async function sendOnce(retried: boolean): Promise<void> {
    const t = await getTicket();
    if (t.cannotSend) {
      patch({ sending: false, cannotSend: t.cannotSend });
      return;
    }
    const { text, file } = store.get().composer;
    try {
      const answer = await client.send(t.ticket, { text, file });
      patch({
        sending: false,
        text: '',
        file: null,
        error: null,
        sent: `Sent ${answer.via === 'phone' ? `to ${t.destination?.label ?? 'the number'}` : 'on WhatsApp'}. It appears in today's Note in a few seconds.`,
      });
      opts.onSent();
    } catch (err) {
      // The ticket expired (the panel stayed open long): one more time with a fresh one.
      if (err instanceof ApiError && err.code === 'TICKET_EXPIRED' && !retried) {
        ticket = null;
        return sendOnce(true);
      }
      if (err instanceof ApiError && err.code === 'CANNOT_SEND') ticket = null;
      throw err;
    }
  }

  return {
    setText: (text) => patch({ text, error: null, sent: null }),
    setFile(file) {
      if (file && file.size > MAX_FILE_BYTES) {
        patch({
          file: null,
          error: `“${file.name}” is larger than 16 MB, WhatsApp's limit: pick a smaller file.`,
        });
        return;
      }
      patch({ file, error: null, sent: null });
    },
    async send() {
      const c = store.get().composer;
      if (c.sending) return;
      if (c.text.trim() === '' && !c.file) {
        patch({ error: 'Write a message or attach a file.' });
        return;
      }
      patch({ sending: true, error: null, sent: null });
      try {
        await sendOnce(false);
      } catch (err) {
        patch({ sending: false, error: err instanceof Error ? err.message : String(err) });
      }
    },
  };
}
