/**
 * Sending a WhatsApp message from the chat panel: into the record's linked chat, or to its phone
 * number when it has none yet (TimelinesAI then opens the chat). A file is uploaded to TimelinesAI
 * first and sent with the text as one message (2 credits; 1 for text or file alone).
 *
 * The message reaches the day's Note like any other: TimelinesAI delivers it back as a
 * `message:sent:new` webhook with the send's `message_uid`, the intake accepts that id once, and the
 * sync writes the line with the CRM user who sent it as its author (remembered here, `store.sent`).
 */
import type { PanelSendAnswer } from '../../../contract/adminApi.js';
import { Problem } from '../errors.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { isTimelinesError } from '../timelines/api/index.js';
import type { TimelinesLinkService } from '../workspace/timelinesLink.js';
import { repProblem } from './repErrors.js';
import { cannotSend, type Destination, type Ticket } from './tickets.js';

/** Longer texts are refused: a day's Note keeps 16,000 characters of one message. */
export const MAX_PANEL_TEXT = 10_000;
/** WhatsApp's limit for images, audio and video (documents may be larger in TimelinesAI). */
export const MAX_PANEL_FILE_BYTES = 16 * 1024 * 1024;

export interface PanelFile {
  data: Buffer;
  filename: string;
  mimeType: string | undefined;
}

export interface SendDeps {
  store: Store;
  timelines: TimelinesLinkService;
  log: Logger;
  now?: () => number;
}

export class PanelSender {
  readonly #deps: SendDeps;

  constructor(deps: SendDeps) {
    this.#deps = deps;
  }

  async send(ticket: Ticket, text: unknown, file: PanelFile | undefined): Promise<PanelSendAnswer> {
    const body = typeof text === 'string' ? text.replace(/\r\n/g, '\n') : '';
    if (text !== undefined && typeof text !== 'string')
      throw new Problem('invalid', 'INVALID_MESSAGE', 'text must be a string.', 'text');
    if (body.length > MAX_PANEL_TEXT)
      throw new Problem(
        'invalid',
        'MESSAGE_TOO_LONG',
        `The message has ${body.length} characters; shorten it to ${MAX_PANEL_TEXT}.`,
        'text',
      );
    if (body.trim() === '' && !file)
      throw new Problem('invalid', 'EMPTY_MESSAGE', 'Write a message or attach a file.', 'text');

    const { store, timelines } = this.#deps;
    const ws = await store.workspaces.get(ticket.wid);
    if (!ws) throw new Problem('not_found', 'NOT_SET_UP', 'WhatsApp sync is no longer set up for this org.');
    const dest = await this.#destination(ticket);
    const why = cannotSend(ws, dest);
    if (why || !dest) throw new Problem('conflict', 'CANNOT_SEND', why ?? 'Nothing to send to.');
    const client = timelines.clientFor(ws)!;
    try {
      const fileUid = file
        ? (await client.uploadFile({ data: file.data, filename: file.filename, contentType: file.mimeType }))
            .uid
        : undefined;
      const input = { text: body.trim() === '' ? undefined : body, fileUid };
      const { messageUid } =
        dest.kind === 'chat'
          ? await client.sendToChat(dest.value, input)
          : await client.sendToPhone({ phone: dest.value, ...input });
      const uow = store.begin();
      uow.sent.put({
        workspaceId: ws.id,
        messageId: messageUid,
        author: ticket.name,
        authorEmail: ticket.email,
        userId: ticket.uid,
        module: ticket.module,
        recordId: ticket.recordId,
        at: (this.#deps.now ?? Date.now)(),
      });
      await uow.commit();
      this.#deps.log.info({ workspaceId: ws.id, via: dest.kind, file: Boolean(file) }, 'panel message sent');
      return { messageUid, via: dest.kind, credits: input.text !== undefined && fileUid ? 2 : 1 };
    } catch (e) {
      if (!isTimelinesError(e)) throw e;
      await timelines.noteRefusal(ws, e);
      this.#deps.log.warn({ workspaceId: ws.id, code: e.code }, 'panel message not sent');
      throw repProblem(e);
    }
  }

  /** The chat linked to the record now (the first send to a number links it), else the ticket's. */
  async #destination(ticket: Ticket): Promise<Destination | null> {
    const links = await this.#deps.store.chats.byRecords(ticket.wid, [ticket.recordId]);
    const linked = links.find((l) => l.module === ticket.module);
    return linked ? { kind: 'chat', value: linked.chatId } : ticket.dest;
  }
}
