// @vitest-environment happy-dom
/**
 * The chat panel's composer against a fake backend: the ticket asked for with what the CRM says
 * (org, user, record and its Created_Time) and reused, a send that clears the form, the backend's
 * refusals shown as written, an expired ticket renewed once, and sending impossible from this record.
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PanelSendAnswer, PanelTicketAnswer, PanelTicketRequest } from '../../contract/adminApi';
import { ApiError } from '../src/api/client';
import type { PanelClient } from '../src/api/panelClient';
import { PanelApp } from '../src/panel/PanelApp';
import { createPanelController } from '../src/panel/panelController';
import { FakeHost } from './fakes';

const CHAT_URL = 'https://app.timelines.ai/chat/7004887/messages/';

class FakePanelClient implements PanelClient {
  tickets: PanelTicketRequest[] = [];
  sends: { ticket: string; text: string; file: string | null }[] = [];
  sendError: ApiError | null = null;
  cannotSend: string | null = null;
  #n = 0;
  ticket = vi.fn(async (request: PanelTicketRequest): Promise<PanelTicketAnswer> => {
    this.tickets.push(request);
    this.#n += 1;
    return {
      ticket: `t${this.#n}`,
      expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(),
      user: { name: 'Olga Owner', email: 'owner@acme.test' },
      destination: { kind: 'chat', label: "the record's WhatsApp chat" },
      cannotSend: this.cannotSend,
    };
  });
  send = vi.fn(async (ticket: string, m: { text: string; file: File | null }): Promise<PanelSendAnswer> => {
    if (this.sendError) {
      const e = this.sendError;
      this.sendError = null;
      throw e;
    }
    this.sends.push({ ticket, text: m.text, file: m.file?.name ?? null });
    return { messageUid: `m${this.sends.length}`, via: 'chat', credits: m.file && m.text ? 2 : 1 };
  });
}

async function mount(client: FakePanelClient) {
  const host = new FakeHost();
  host.record = {
    id: '1001',
    Last_Name: 'Maria',
    Mobile: '+34600000000',
    WhatsApp_Chat: CHAT_URL,
    Created_Time: '2025-01-02T10:00:00+01:00',
  };
  const controller = createPanelController(host, client);
  render(<PanelApp controller={controller} host={host} />);
  await controller.start();
  return { host, controller };
}

const box = () => screen.getByRole('textbox', { name: 'New WhatsApp message' }) as HTMLTextAreaElement;
const type = (text: string) => fireEvent.input(box(), { target: { value: text } });
const send = () => fireEvent.click(screen.getByRole('button', { name: 'Send' }));

afterEach(cleanup);

describe('chat panel composer', () => {
  it('asks for a ticket with what the CRM says, sends, clears the form, and reuses the ticket', async () => {
    const client = new FakePanelClient();
    await mount(client);
    type('Hola María');
    send();
    await screen.findByText(/Sent on WhatsApp/);
    expect(client.tickets).toEqual([
      {
        orgId: '800000001',
        userId: 'u1',
        module: 'Contacts',
        recordId: '1001',
        createdTime: '2025-01-02T10:00:00+01:00',
      },
    ]);
    expect(box().value).toBe('');
    const file = new File(['%PDF'], 'oferta.pdf', { type: 'application/pdf' });
    fireEvent.change(screen.getByLabelText('Attach a file'), { target: { files: [file] } });
    type('La oferta');
    send();
    await waitFor(() => expect(client.sends).toHaveLength(2));
    expect(client.sends).toEqual([
      { ticket: 't1', text: 'Hola María', file: null },
      { ticket: 't1', text: 'La oferta', file: 'oferta.pdf' },
    ]);
    expect(client.ticket).toHaveBeenCalledTimes(1);
  });

  it('shows the backend’s refusal as written and keeps the text; an expired ticket is renewed once', async () => {
    const client = new FakePanelClient();
    await mount(client);
    client.sendError = new ApiError(
      409,
      'QUOTA_EXHAUSTED',
      "Not sent: your company's WhatsApp message allowance in TimelinesAI is used up for this month.",
    );
    type('¿Le llamo mañana?');
    send();
    expect((await screen.findByRole('alert')).textContent).toContain('allowance in TimelinesAI is used up');
    expect(box().value).toBe('¿Le llamo mañana?');

    client.sendError = new ApiError(401, 'TICKET_EXPIRED', 'The chat panel was open too long');
    send();
    await screen.findByText(/Sent on WhatsApp/);
    expect(client.ticket).toHaveBeenCalledTimes(2);
    expect(client.sends.at(-1)?.ticket).toBe('t2');
  });

  it('says why nothing can be sent from the record, and refuses an empty message or a file over 16 MB', async () => {
    const client = new FakePanelClient();
    await mount(client);
    send();
    expect((await screen.findByRole('alert')).textContent).toBe('Write a message or attach a file.');
    const big = new File(['x'], 'video.mp4');
    Object.defineProperty(big, 'size', { value: 17 * 1024 * 1024 });
    fireEvent.change(screen.getByLabelText('Attach a file'), { target: { files: [big] } });
    expect((await screen.findByRole('alert')).textContent).toContain('larger than 16 MB');

    client.cannotSend =
      'Sending WhatsApp messages from the CRM is not set up: your CRM admin can connect TimelinesAI.';
    type('Hola');
    send();
    await screen.findByText(/not set up: your CRM admin can connect TimelinesAI/);
    expect(client.send).not.toHaveBeenCalled();
  });

  it('offers no composer on the integration’s test record, nor without a backend', async () => {
    const host = new FakeHost();
    host.record = {
      id: '1',
      Mobile: '+447700900123',
      WhatsApp_Chat: 'https://app.timelines.ai/chat/whatsapp-sync-test/messages/',
      Created_Time: '2025-01-02T10:00:00+01:00',
    };
    const controller = createPanelController(host, new FakePanelClient());
    render(<PanelApp controller={controller} host={host} />);
    await controller.start();
    await screen.findByText(/test record/);
    expect(screen.queryByRole('textbox', { name: 'New WhatsApp message' })).toBeNull();
    cleanup();
    const plain = createPanelController(new FakeHost());
    render(<PanelApp controller={plain} />);
    await plain.start();
    expect(screen.queryByRole('textbox', { name: 'New WhatsApp message' })).toBeNull();
  });
});
