/**
 * Who may send from the chat panel, and to whom. Reps have no backend session: the panel runs inside
 * Zoho CRM, whose widget SDK hands it the org, the user and the record, none of them signed. So the
 * backend checks what it can through the owner's Zoho connection before it issues a ticket:
 *
 * 1. the org has a workspace with TimelinesAI connected;
 * 2. the user id is an active user of that org (Zoho's user list, read at most once a minute);
 * 3. the record exists, and the browser read it: it presents the record's Created_Time (to the
 *    second), which only someone who can open the record knows — an id from a URL or a screenshot is
 *    not enough. Failed proofs are limited per record (10 per 10 minutes), so it cannot be guessed,
 *    and per workspace (100), so failed attempts cannot spend the org's Zoho credits;
 * 4. where a message goes is read here, from the record and the store (its linked chat, else its
 *    phone number), never from the browser.
 *
 * The ticket is signed with SECRET_KEY, bound to (workspace, user, record, destination) and lives 15
 * minutes. What it does not prove: that the person at the browser is that user. Zoho's widget SDK
 * offers nothing signed, so a CRM user who can read a record could, with developer tools, send from it
 * under a colleague's name. The README's Security section states this trade-off.
 */
import { z } from 'zod';
import type { PanelTicketAnswer } from '../../../contract/adminApi.js';
import { Problem } from '../errors.js';
import type { Secrets } from '../store/crypto.js';
import { completeSettings, type Workspace } from '../store/schema.js';
import type { Frozen, Store } from '../store/store.js';
import { toE164 } from '../sync/phone.js';
import type { ZohoGateway, ZohoRecord, ZohoUser } from '../zoho/gateway.js';
import type { MetadataCache } from '../workspace/metadataCache.js';
import { asAdminProblem } from '../workspace/zohoProblems.js';

export const TICKET_TTL_MS = 15 * 60 * 1000;
const PROOF_WINDOW_MS = 10 * 60 * 1000;
/** Failed proofs allowed per record, and per workspace (every attempt costs the org Zoho credits). */
const PROOF_FAILURES = 10;
const WORKSPACE_FAILURES = 100;
/** The org's user list is read at most this often (a deactivated user keeps sending this long at most). */
const USERS_TTL_MS = 60_000;

export interface Destination {
  kind: 'chat' | 'phone';
  /** TimelinesAI's chat id (kind chat) or the number in E.164 (kind phone) */
  value: string;
}

export interface Ticket {
  t: 'panel-ticket';
  wid: string;
  uid: string;
  name: string;
  email: string;
  module: string;
  recordId: string;
  dest: Destination | null;
  exp: number;
}

export const ticketInput = z
  .object({
    orgId: z
      .string()
      .trim()
      .regex(/^\d{1,30}$/, 'the Zoho org id (digits)'),
    userId: z
      .string()
      .trim()
      .regex(/^[0-9A-Za-z_-]{1,64}$/, 'the Zoho user id'),
    module: z
      .string()
      .trim()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,99}$/, "a module's API name"),
    recordId: z
      .string()
      .trim()
      .regex(/^[0-9A-Za-z_-]{1,64}$/, 'the record id'),
    createdTime: z.string().trim().min(10).max(40),
  })
  .strict();

export interface TicketDeps {
  store: Store;
  secrets: Secrets;
  metadata: MetadataCache;
  zohoFor: (ws: Frozen<Workspace>) => ZohoGateway | undefined;
  now?: () => number;
}

export class PanelTickets {
  readonly #deps: TicketDeps;
  readonly #now: () => number;
  /** failed proofs: `workspace:module:record` and `workspace` → their times (epoch ms) */
  readonly #failures = new Map<string, number[]>();
  readonly #users = new Map<string, { at: number; users: Promise<ZohoUser[]> }>();

  constructor(deps: TicketDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  async issue(body: unknown): Promise<PanelTicketAnswer> {
    const parsed = ticketInput.safeParse(body);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new Problem('invalid', 'INVALID_TICKET_REQUEST', `${i.path.join('.') || 'body'}: ${i.message}`);
    }
    const input = parsed.data;
    const ws = await this.#deps.store.workspaces.byOrg(input.orgId);
    if (!ws)
      throw new Problem('not_found', 'NOT_SET_UP', 'WhatsApp sync is not set up for this Zoho CRM org.');
    const zoho = this.#deps.zohoFor(ws);
    if (!zoho)
      throw new Problem(
        'unavailable',
        'NOT_CONNECTED',
        "The integration's connection to Zoho CRM is down: ask your CRM admin to reconnect it.",
      );
    const key = `${ws.id}:${input.module}:${input.recordId}`;
    this.#checkFailures(key, PROOF_FAILURES);
    this.#checkFailures(ws.id, WORKSPACE_FAILURES);
    const user = (await this.#activeUsers(ws, zoho)).find((u) => u.id === input.userId);
    if (!user || !user.active) {
      this.#fail(ws.id);
      throw new Problem('forbidden', 'NOT_A_USER', 'You are not an active user of this Zoho CRM org.');
    }
    const record = await this.#record(ws, zoho, input.module, input.recordId);
    if (!record || !sameInstant(record.Created_Time, input.createdTime)) {
      this.#fail(key);
      this.#fail(ws.id);
      throw new Problem(
        'forbidden',
        'RECORD_NOT_READABLE',
        'This record could not be confirmed: reload the page. If it persists, you may not have access to it.',
      );
    }
    const dest = await this.#destination(ws, input.module, record);
    const exp = this.#now() + TICKET_TTL_MS;
    const ticket: Ticket = {
      t: 'panel-ticket',
      wid: ws.id,
      uid: user.id,
      // One line, bounded: it is written into Notes as the author of what this user sends.
      name: (user.fullName || user.email).replace(/\s+/g, ' ').trim().slice(0, 100),
      email: user.email,
      module: input.module,
      recordId: input.recordId,
      dest,
      exp,
    };
    return {
      ticket: this.#deps.secrets.sign(ticket),
      expiresAt: new Date(exp).toISOString(),
      user: { name: ticket.name, email: ticket.email },
      destination: dest
        ? { kind: dest.kind, label: dest.kind === 'chat' ? "the record's WhatsApp chat" : dest.value }
        : null,
      cannotSend: cannotSend(ws, dest),
    };
  }

  /** The ticket of an `Authorization: Bearer` header, if it is ours and not expired. */
  read(authorization: string | undefined): Ticket {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const t = m?.[1] ? this.#deps.secrets.verify<Ticket>(m[1]) : undefined;
    if (!t || t.t !== 'panel-ticket' || t.exp < this.#now())
      throw new Problem(
        'unauthenticated',
        'TICKET_EXPIRED',
        'The chat panel was open too long: reload the page and send again.',
      );
    return t;
  }

  async #record(ws: Frozen<Workspace>, zoho: ZohoGateway, module: string, id: string) {
    const fields = await asAdminProblem(() => this.#deps.metadata.fields(ws.id, zoho, module));
    const wanted = [
      'Created_Time',
      ...fields.filter((f) => f.type === 'phone').map((f) => f.apiName),
      ...(ws.settings?.chatLinkField && fields.some((f) => f.apiName === ws.settings?.chatLinkField)
        ? [ws.settings.chatLinkField]
        : []),
    ];
    const [record] = await asAdminProblem(() => zoho.getRecords(module, [id], wanted));
    return record;
  }

  /** The record's linked chat (the store, else its chat link field), else its phone number. */
  async #destination(ws: Frozen<Workspace>, module: string, record: ZohoRecord): Promise<Destination | null> {
    const links = await this.#deps.store.chats.byRecords(ws.id, [record.id]);
    const linked = links.find((l) => l.module === module);
    if (linked) return { kind: 'chat', value: linked.chatId };
    const linkField = ws.settings?.chatLinkField;
    const url = linkField ? record[linkField] : undefined;
    const chatId = typeof url === 'string' ? /\/chat\/(\d{1,20})(?:\/|$)/.exec(url)?.[1] : undefined;
    if (chatId) return { kind: 'chat', value: chatId };
    const settings = completeSettings(ws.settings);
    const phoneFields = Object.keys(record).filter(
      (k) => k !== 'id' && k !== 'Created_Time' && k !== linkField,
    );
    const ordered = settings?.module === module ? [settings.phoneField, ...phoneFields] : phoneFields;
    for (const f of ordered) {
      const v = record[f];
      const e164 = typeof v === 'string' ? toE164(v, ws.countryCode) : undefined;
      if (e164) return { kind: 'phone', value: e164 };
    }
    return null;
  }

  #activeUsers(ws: Frozen<Workspace>, zoho: ZohoGateway): Promise<ZohoUser[]> {
    const hit = this.#users.get(ws.id);
    if (hit && this.#now() - hit.at < USERS_TTL_MS) return hit.users;
    const users = asAdminProblem(() => zoho.activeUsers());
    this.#users.set(ws.id, { at: this.#now(), users });
    users.catch(() => this.#users.delete(ws.id)); // a failure is not kept
    return users;
  }

  #checkFailures(key: string, limit: number): void {
    const recent = (this.#failures.get(key) ?? []).filter((t) => this.#now() - t < PROOF_WINDOW_MS);
    this.#failures.set(key, recent);
    if (recent.length >= limit)
      throw new Problem(
        'rate_limited',
        'TOO_MANY_ATTEMPTS',
        'Too many failed attempts for this record: wait ten minutes and reload the page.',
      );
  }

  #fail(key: string): void {
    if (this.#failures.size > 10_000) this.#failures.clear(); // bounded: a flood forgets, never grows
    this.#failures.set(key, [...(this.#failures.get(key) ?? []), this.#now()]);
  }
}

/** Why nothing can be sent from this record now (null: it can). */
export function cannotSend(ws: Frozen<Workspace>, dest: Destination | null): string | null {
  if (!ws.timelines)
    return 'Sending WhatsApp messages from the CRM is not set up: your CRM admin can connect TimelinesAI in the integration settings.';
  if (ws.timelines.problem)
    return "Sending is paused: TimelinesAI no longer accepts the integration's API token. Ask your CRM admin to paste a new one in the integration settings.";
  if (!dest)
    return 'This record has no WhatsApp chat and no phone number in international format to send to.';
  return null;
}

/** Zoho writes times with the org's offset (`2024-01-08T10:35:18+01:00`); compared as instants. */
function sameInstant(a: unknown, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Date.parse(a);
  return Number.isFinite(x) && x === Date.parse(b);
}
