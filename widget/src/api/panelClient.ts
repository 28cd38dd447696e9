/**
 * The chat panel's way to the backend (reps have no session): a ticket for the signed-in CRM user
 * and the record, then sends carrying it. Errors are `ApiError`s with the backend's message, written
 * for the rep.
 */
import type {
  ApiErrorBody,
  PanelSendAnswer,
  PanelTicketAnswer,
  PanelTicketRequest,
} from '../../../contract/adminApi';
import { ApiError } from './client';

export type { PanelSendAnswer, PanelTicketAnswer, PanelTicketRequest } from '../../../contract/adminApi';

export interface PanelClient {
  ticket(request: PanelTicketRequest): Promise<PanelTicketAnswer>;
  send(ticket: string, message: { text: string; file: File | null }): Promise<PanelSendAnswer>;
}

export function createPanelClient(opts: { baseUrl: string; fetch?: typeof fetch }): PanelClient {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  async function call<T>(path: string, init: RequestInit): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, init);
    } catch {
      throw new ApiError(
        0,
        'NETWORK',
        'The WhatsApp service could not be reached. Check your connection and try again.',
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = (json as Partial<ApiErrorBody> | undefined)?.error;
      throw new ApiError(
        res.status,
        typeof err?.code === 'string' ? err.code : `HTTP_${res.status}`,
        typeof err?.message === 'string' && err.message
          ? err.message
          : `The WhatsApp service refused the request (HTTP ${res.status}).`,
        typeof err?.field === 'string' ? err.field : undefined,
      );
    }
    if (json === undefined)
      throw new ApiError(res.status, 'BAD_RESPONSE', 'The WhatsApp service sent an unreadable answer.');
    return json as T;
  }

  return {
    ticket: (request) =>
      call<PanelTicketAnswer>('/api/panel/ticket', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(request),
      }),
    send(ticket, message) {
      const form = new FormData();
      if (message.text.trim() !== '') form.set('text', message.text);
      if (message.file) form.set('file', message.file, message.file.name);
      return call<PanelSendAnswer>('/api/panel/send', {
        method: 'POST',
        headers: { Authorization: `Bearer ${ticket}`, Accept: 'application/json' },
        body: form,
      });
    },
  };
}
