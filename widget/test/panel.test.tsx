// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_CHAT_URL } from '../../contract/adminApi';
import { HostError } from '../src/host/host';
import { PanelApp } from '../src/panel/PanelApp';
import { createPanelController } from '../src/panel/panelController';
import { FakeHost, note } from './fakes';

async function mount(host: FakeHost) {
  const controller = createPanelController(host);
  render(<PanelApp controller={controller} host={host} />);
  const started = controller.start();
  return { controller, started };
}

const CHAT_URL = 'https://app.timelines.ai/chat/7004887/messages/';

afterEach(cleanup);

describe('chat panel', () => {
  it('shows a loading state until the host answers', async () => {
    const host = new FakeHost();
    let open!: () => void;
    host.initGate = new Promise((resolve) => (open = resolve));
    const { started } = await mount(host);
    expect(screen.getByRole('status').textContent).toContain('Loading the WhatsApp chat');
    expect(screen.getByRole('main').getAttribute('aria-busy')).toBe('true');
    open();
    await started;
    await screen.findByText('No WhatsApp chat yet');
    expect(screen.queryByText(/Loading the WhatsApp chat/)).toBeNull();
  });

  it('shows a clear empty state for a record without a chat', async () => {
    const host = new FakeHost();
    host.record = {
      id: '1001',
      Last_Name: 'Maria',
      Phone: '+34 600 000 000',
      Description: 'Met at the fair',
    };
    host.notes = [note('n1', 'Call notes', 'Wants a demo', '2025-01-02T10:00:00+01:00')];
    await mount(host);
    await screen.findByText('No WhatsApp chat yet');
    expect(screen.getByText(/\+34 600 000 000/)).toBeTruthy();
    expect(screen.queryByRole('link')).toBeNull();
    expect(host.getRecord).toHaveBeenCalledWith('Contacts', '1001');
    expect(host.getNotes).toHaveBeenCalledWith('Contacts', '1001');
  });

  it('lists the WhatsApp days newest first, the newest open, others expandable in place', async () => {
    const host = new FakeHost();
    host.record = {
      id: '1001',
      Last_Name: 'Maria',
      Mobile: '600000000',
      Phone: '+34600000000',
      Description: `Chat: ${CHAT_URL}`,
      WhatsApp_Chat: CHAT_URL,
    };
    host.notes = [
      note(
        'n-dec',
        'WhatsApp chat with Maria (15/12/2024)',
        '09:00 Maria: hola',
        '2024-12-15T09:00:00+01:00',
      ),
      note('n-other', 'Follow-up', 'Not a WhatsApp note', '2025-02-01T09:00:00+01:00'),
      note(
        'n-jan2',
        'WhatsApp chat with Maria (02/01/2025)',
        '18:30 Maria: see you',
        '2025-01-02T18:30:00+01:00',
      ),
      note(
        'n-jan1',
        'WhatsApp chat with Maria (01/01/2025)',
        '12:00 Maria: happy new year',
        '2025-01-03T08:00:00+01:00',
      ),
    ];
    await mount(host);
    const toggles = await screen.findAllByRole('button', { expanded: undefined });
    const days = toggles.filter((b) => b.hasAttribute('aria-expanded'));
    expect(days.map((b) => b.textContent)).toEqual([
      expect.stringContaining('(02/01/2025)'),
      expect.stringContaining('(01/01/2025)'),
      expect.stringContaining('(15/12/2024)'),
    ]);
    expect(screen.queryByText('Not a WhatsApp note')).toBeNull();

    // The newest day is open; the others are collapsed until asked.
    expect(days[0]!.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByText('18:30 Maria: see you')).toBeTruthy();
    const older = days[2]!;
    const body = document.getElementById(older.getAttribute('aria-controls')!)!;
    expect(older.getAttribute('aria-expanded')).toBe('false');
    expect(body.hidden).toBe(true);
    fireEvent.click(older);
    await waitFor(() => expect(older.getAttribute('aria-expanded')).toBe('true'));
    expect(body.hidden).toBe(false);
    expect(body.textContent).toContain('09:00 Maria: hola');

    const link = screen.getByRole('link', { name: /Open chat in TimelinesAI/ });
    expect(link.getAttribute('href')).toBe(CHAT_URL);
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toContain('noopener');
    expect(screen.getByText('+34600000000')).toBeTruthy();
    // The last message: the newest chat day's last line (not the Note's modification time), an
    // instant of the Notes' time zone (the org's, Europe/Madrid here).
    expect(document.querySelector('dd time')!.getAttribute('datetime')).toBe('2025-01-02T17:30:00.000Z');
  });

  it('renders chat text as text: markup in a message never becomes HTML', async () => {
    const host = new FakeHost();
    host.record = { id: '1001', WhatsApp_Chat: CHAT_URL };
    const hostile =
      '10:00 Eve: <script>window.__pwned = true</script><img src=x onerror="window.__pwned = true">';
    host.notes = [note('n1', 'WhatsApp chat with <b>Eve</b> (02/01/2025)', hostile, '2025-01-02T10:00:00Z')];
    await mount(host);
    await screen.findByText(hostile);
    const main = screen.getByRole('main');
    expect(main.querySelector('script')).toBeNull();
    expect(main.querySelector('img')).toBeNull();
    expect(main.querySelector('b')).toBeNull();
    expect(main.textContent).toContain('<b>Eve</b>');
    expect((window as unknown as { __pwned?: boolean }).__pwned).toBeUndefined();
  });

  it('links only http(s) URLs inside the chat text', async () => {
    const host = new FakeHost();
    host.record = { id: '1001', WhatsApp_Chat: CHAT_URL };
    host.notes = [
      note(
        'n1',
        'WhatsApp chat with Ann (02/01/2025)',
        `10:00 Ann: look javascript:alert(1) and https://example.com/a?b=1.\nChat: ${CHAT_URL}`,
        '2025-01-02T10:00:00Z',
      ),
    ];
    await mount(host);
    await screen.findByText(/look javascript:alert\(1\)/);
    const hrefs = screen.getAllByRole('link').map((a) => a.getAttribute('href'));
    expect(hrefs).toContain('https://example.com/a?b=1');
    expect(hrefs.every((h) => h!.startsWith('https://'))).toBe(true);
  });

  it('says so when the host fails, and retries', async () => {
    const host = new FakeHost();
    host.failWith = new HostError('Zoho CRM did not answer. Open this page from inside Zoho CRM.');
    const { controller } = await mount(host);
    expect((await screen.findByRole('alert')).textContent).toContain('Zoho CRM did not answer');
    host.failWith = null;
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByText('No WhatsApp chat yet');
    expect(controller.store.get().phase).toBe('ready');
  });

  it('explains itself outside a record page', async () => {
    const host = new FakeHost();
    host.context = { module: null, recordId: null };
    await mount(host);
    await screen.findByText(/Open this panel from a record's page/);
    expect(host.getRecord).not.toHaveBeenCalled();
  });

  it('shows a record that cannot be read as an error, not as an empty chat', async () => {
    const host = new FakeHost();
    host.record = null;
    await mount(host);
    expect((await screen.findByRole('alert')).textContent).toContain('could not be read');
  });

  describe('the last message', () => {
    const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const otherZone = browserZone === 'America/New_York' ? 'Asia/Tokyo' : 'America/New_York';
    const chatWith = (content: string) => {
      const host = new FakeHost();
      host.record = { id: '1001', WhatsApp_Chat: CHAT_URL };
      host.notes = [note('n1', 'WhatsApp chat with Ann (02/01/2025)', content, '2025-01-03T09:00:00Z')];
      return host;
    };

    it("is read from the newest Note's lines: continuation lines and attachments do not count", async () => {
      const host = chatWith(
        '09:15 Ann: hi\n10:40 You: two lines\n      second line 11:00\n      [attachment: a.pdf]',
      );
      host.orgTimeZone = browserZone;
      await mount(host);
      const value = (await screen.findByText('Last message')).nextElementSibling!;
      expect(value.textContent).toMatch(/2025, 10:40$/); // the day in the browser's language
      expect(value.textContent).not.toContain('your time'); // one zone: nothing to name
    });

    it("names the Notes' zone and gives the reader's time when the two differ", async () => {
      const host = chatWith('23:30 Ann: late');
      host.orgTimeZone = otherZone;
      await mount(host);
      const value = (await screen.findByText('Last message')).nextElementSibling!;
      expect(value.textContent).toContain(`2025, 23:30 (${otherZone.replace('_', ' ')})`);
      expect(value.textContent).toContain(`your time (${browserZone.replace(/_/g, ' ')})`);
      expect(screen.getByText(`Times in the Notes are ${otherZone.replace('_', ' ')} time.`)).toBeTruthy();
    });

    it('says the time is as written when the CRM does not tell its zone', async () => {
      const host = chatWith('08:05 Ann: morning');
      host.orgTimeZone = null;
      await mount(host);
      const value = (await screen.findByText('Last message')).nextElementSibling!;
      expect(value.textContent).toContain('08:05 (as written in the Note)');
    });
  });

  it("recognises the integration's test record: no button to a placeholder chat", async () => {
    const host = new FakeHost();
    host.record = {
      id: '1001',
      Last_Name: 'WhatsApp test contact (TimelinesAI)',
      WhatsApp_Chat: TEST_CHAT_URL,
    };
    await mount(host);
    await screen.findByText(/This is the integration's test record/);
    expect(screen.queryByRole('link', { name: /Open chat in TimelinesAI/ })).toBeNull();
  });
});
