/**
 * The widget's pure rules: the last message and its instant, relative times, the sync log merge, the
 * chat link rule, when a module change needs confirming, and what the page says about the phone index.
 */
import { describe, expect, it } from 'vitest';
import { lastMessage, toWhatsAppDay, whatsappDays, zonedInstant } from '../src/panel/logic';
import {
  chatLinkClash,
  EMPTY_DRAFT,
  moduleChangeNeedsConfirm,
  usableAsChatLink,
  type ModuleHistory,
} from '../src/settings/logic';
import { phoneIndexText } from '../src/settings/PhoneIndexStatus';
import { emptySyncLog } from '../src/settings/state';
import { mergeNewest, SYNC_LOG_PAGE } from '../src/settings/syncLogActions';
import { formatCount, formatRelative } from '../src/ui/format';
import { SAVED, logEntry, note } from './fakes';

describe('the last message', () => {
  const day = (title: string, content: string) =>
    toWhatsAppDay(note('n', title, content, '2025-01-01T00:00:00Z'));

  it('is the last message line of the newest day that has one', () => {
    const days = whatsappDays([
      note('a', 'WhatsApp chat with Ann (01/03/2025)', '09:00 Ann: hi', '2025-03-01T09:00:00Z'),
      note(
        'b',
        'WhatsApp chat with Ann (02/03/2025)',
        '[3 earlier messages of this day are not shown]',
        '2025-03-02T09:00:00Z',
      ),
    ]);
    expect(lastMessage(days)).toEqual({ day: { year: 2025, month: 3, day: 1 }, hour: 9, minute: 0 });
  });

  it('ignores indented continuation lines that look like times, and impossible times', () => {
    expect(
      lastMessage([day('WhatsApp chat with Ann (02/03/2025)', '10:00 Ann: a\n      11:30 not a message')]),
    ).toMatchObject({
      hour: 10,
      minute: 0,
    });
    expect(lastMessage([day('WhatsApp chat with Ann (02/03/2025)', '25:99 nonsense')])).toBeNull();
  });

  it("is converted to an instant with the zone's offset of that day, daylight saving included", () => {
    const winter = { day: { year: 2025, month: 1, day: 15 }, hour: 10, minute: 0 };
    const summer = { day: { year: 2025, month: 7, day: 15 }, hour: 10, minute: 0 };
    expect(zonedInstant(winter, 'Europe/Madrid').toISOString()).toBe('2025-01-15T09:00:00.000Z');
    expect(zonedInstant(summer, 'Europe/Madrid').toISOString()).toBe('2025-07-15T08:00:00.000Z');
    expect(zonedInstant(summer, 'America/New_York').toISOString()).toBe('2025-07-15T14:00:00.000Z');
    // The day the clocks go forward in Madrid (30 March 2025, 02:00 → 03:00).
    const after = { day: { year: 2025, month: 3, day: 30 }, hour: 3, minute: 30 };
    expect(zonedInstant(after, 'Europe/Madrid').toISOString()).toBe('2025-03-30T01:30:00.000Z');
  });
});

describe('relative times', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');
  const ago = (ms: number) => formatRelative(new Date(now - ms).toISOString(), now);
  it('reads like a person says it', () => {
    expect(ago(10_000)).toBe('just now');
    expect(ago(-60_000)).toBe('just now'); // a clock ahead of ours
    expect(ago(2 * 60_000)).toMatch(/2 minutes ago|2 min\. ago/);
    expect(ago(3 * 3600_000)).toMatch(/3 hours ago|3 hr\. ago/);
    expect(ago(40 * 86_400_000)).toMatch(/2025/);
  });
});

describe('the sync log after a refresh', () => {
  it('puts what is new on top and keeps the older pages already read', () => {
    const older = Array.from({ length: SYNC_LOG_PAGE + 5 }, (_, i) =>
      logEntry({ id: `o${i}`, outcome: 'synced' }),
    );
    const shown = { ...emptySyncLog(), entries: older, next: 'o29' };
    const fresh = {
      entries: [logEntry({ id: 'n1', outcome: 'failed' }), ...older.slice(0, SYNC_LOG_PAGE - 1)],
      next: 'x',
    };
    const merged = mergeNewest(shown, fresh);
    expect(merged.entries!.map((e) => e.id)).toEqual(['n1', ...older.map((e) => e.id)]);
    expect(merged.next).toBe('o29');
  });

  it('starts over when more than a page is new, or when only one page was shown', () => {
    const shown = { ...emptySyncLog(), entries: [logEntry({ id: 'a', outcome: 'synced' })], next: null };
    const fresh = { entries: [logEntry({ id: 'b', outcome: 'synced' })], next: 'b' };
    expect(mergeNewest(shown, fresh)).toEqual({ entries: fresh.entries, next: 'b' });
  });
});

describe('the chat link rule', () => {
  const draft = { ...EMPTY_DRAFT, module: 'Contacts', phoneField: 'Mobile', nameField: 'Nickname' };
  it('refuses the name fields and the fields chosen for the name and the phone', () => {
    for (const f of ['Last_Name', 'First_Name', 'Full_Name', 'Name', 'Nickname', 'Mobile'])
      expect(usableAsChatLink(f, draft)).toBe(false);
    expect(usableAsChatLink('WhatsApp_Chat', draft)).toBe(true);
    expect(chatLinkClash({ ...draft, chatLinkField: 'Mobile' })).toMatch(/WhatsApp number field/);
    expect(chatLinkClash({ ...draft, chatLinkField: 'Nickname' })).toMatch(/contact name field/);
    expect(chatLinkClash({ ...draft, chatLinkField: 'WhatsApp_Chat' })).toBeNull();
  });
});

describe('a new destination module', () => {
  const ws = (patch: Partial<ModuleHistory>): ModuleHistory => ({
    settings: SAVED,
    activatedAt: null,
    testRecordId: null,
    ...patch,
  });
  const ran = ws({ activatedAt: '2025-03-01T10:00:00.000Z' });
  it.each([
    ['activated before, another module', ran, 'Contacts', 'Leads', true],
    ['only a test record made', ws({ testRecordId: 'rec_test' }), 'Contacts', 'Leads', true],
    ['a change already confirmed, yet another module', ran, 'Leads', 'Deals', true],
    ['never activated, no test record', ws({}), 'Contacts', 'Leads', false],
    ['nothing saved yet', ws({ settings: null, activatedAt: 'x' }), '', 'Leads', false],
    ['back to the saved module', ran, 'Leads', 'Contacts', false],
    ['the module already chosen', ran, 'Leads', 'Leads', false],
    ['no module (the placeholder)', ran, 'Contacts', '', false],
  ] as const)('%s: confirm = %s', (_, history, current, next, expected) => {
    expect(moduleChangeNeedsConfirm(history, current, next)).toBe(expected);
  });
});

describe('the phone index line', () => {
  const view = (patch: Partial<Parameters<typeof phoneIndexText>[0]>) => ({
    active: true,
    settings: SAVED,
    phoneIndex: null,
    ...patch,
  });
  const building = (done: number, total: number | null) =>
    ({ module: 'Contacts', status: 'building', done, total }) as const;
  const ready = (module: string, done: number) => ({ module, status: 'ready', done, total: done }) as const;
  const text = (patch: Partial<Parameters<typeof phoneIndexText>[0]>) =>
    phoneIndexText(view(patch), 'Contacts', 'en-GB');

  it('groups digits in the locale', () => {
    expect(formatCount(120_000, 'en-GB')).toBe('120,000');
    expect(formatCount(1_234_567, 'de-DE')).toBe('1.234.567');
  });

  it('says how far the build got, with or without the total', () => {
    const wait = '— messages from new chats wait until it is done.';
    expect(text({ phoneIndex: building(34_000, 120_000) })).toBe(
      `Indexing 34,000 of 120,000 Contacts ${wait}`,
    );
    expect(text({ phoneIndex: building(34_000, null) })).toBe(
      `Indexing Contacts: 34,000 records read ${wait}`,
    );
    expect(text({ phoneIndex: building(1, null) })).toBe(`Indexing Contacts: 1 record read ${wait}`);
    // Records created during the build: never "130,000 of 120,000".
    expect(text({ phoneIndex: building(130_000, 120_000) })).toBe(
      `Indexing 130,000 of 130,000 Contacts ${wait}`,
    );
  });

  it('says a build stopped by a deactivation continues at the next activation', () => {
    expect(text({ active: false, phoneIndex: building(4_000, 9_000) })).toBe(
      'The phone index of Contacts is not finished (4,000 of 9,000 records read): it continues when the integration is activated.',
    );
  });

  it("is one quiet line once ready, and nothing for another module's index or none", () => {
    expect(text({ phoneIndex: ready('Contacts', 120_000) })).toBe('Phone index: 120,000 Contacts records.');
    expect(text({ phoneIndex: ready('Contacts', 1) })).toBe('Phone index: 1 Contacts record.');
    expect(text({ phoneIndex: ready('Leads', 10) })).toBeNull();
    expect(text({ phoneIndex: null })).toBeNull();
  });
});
