import { describe, expect, it } from 'vitest';
import {
  chatLinkUpdate,
  chooseOwner,
  cleanChatName,
  contactName,
  LEAD_SOURCE_VALUE,
  NAME_MAX_LENGTH,
  newRecordFields,
  renameDecision,
  sameChatLink,
  type RecordFieldSettings,
} from '../../server/src/sync/recordRules.js';
import type { ZohoRecord, ZohoUser } from '../../server/src/zoho/gateway.js';

const CHAT_URL = 'https://app.timelines.ai/chat/7004887/messages/';

const settings: RecordFieldSettings = {
  module: 'Contacts',
  phoneField: 'Mobile',
  nameField: 'Last_Name',
  chatLinkField: 'WhatsApp_Chat',
  leadSourceField: 'Lead_Source',
};

describe('contactName', () => {
  it("uses WhatsApp's chat name when it has one", () => {
    expect(contactName({ name: 'Ana Lima', phone: '+14155550123' })).toBe('Ana Lima');
  });

  it('names a chat without a name after its phone in E.164', () => {
    expect(contactName({ name: undefined, phone: '+1 (415) 555-0123' })).toBe(
      'New WhatsApp contact: +14155550123',
    );
    expect(contactName({ name: '   ', phone: '14155550123@s.whatsapp.net' })).toBe(
      'New WhatsApp contact: +14155550123',
    );
  });

  it('does not take a name that is only a phone number for a name', () => {
    expect(contactName({ name: '+1 415-555-0123', phone: '+14155550123' })).toBe(
      'New WhatsApp contact: +14155550123',
    );
    expect(contactName({ name: '(415) 555 0123', phone: '+14155550123' })).toBe(
      'New WhatsApp contact: +14155550123',
    );
  });

  it('keeps short numeric names and names that merely contain digits', () => {
    expect(contactName({ name: '007', phone: '+14155550123' })).toBe('007');
    expect(contactName({ name: 'Flat 42 – Ana', phone: '+14155550123' })).toBe('Flat 42 – Ana');
  });

  it('uses the raw phone when it cannot be normalised, and a generic name without any phone', () => {
    expect(contactName({ name: undefined, phone: ' 12345 ' })).toBe('New WhatsApp contact: 12345');
    expect(contactName({ name: undefined, phone: undefined })).toBe('New WhatsApp contact');
  });

  it('collapses whitespace and cuts long names to the name field limit', () => {
    expect(contactName({ name: ' Ana \n Lima ', phone: undefined })).toBe('Ana Lima');
    const long = contactName({ name: 'N'.repeat(200), phone: undefined });
    expect(long).toHaveLength(NAME_MAX_LENGTH);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('cleanChatName', () => {
  it('returns undefined for missing, blank and phone-number names', () => {
    expect(cleanChatName(undefined)).toBeUndefined();
    expect(cleanChatName(' ')).toBeUndefined();
    expect(cleanChatName('+44 20 7946 0958')).toBeUndefined();
    expect(cleanChatName('Ana')).toBe('Ana');
  });
});

describe('newRecordFields', () => {
  const chat = { name: 'Ana Lima', phone: '+14155550123', url: CHAT_URL };

  it('fills name, phone, lead source, chat link, Description and Owner', () => {
    expect(newRecordFields(settings, chat, '+14155550123', 'u-1')).toEqual({
      Last_Name: 'Ana Lima',
      Mobile: '+14155550123',
      Lead_Source: LEAD_SOURCE_VALUE,
      WhatsApp_Chat: CHAT_URL,
      Description: CHAT_URL,
      Owner: { id: 'u-1' },
    });
    expect(LEAD_SOURCE_VALUE).toBe('TimelinesAI');
  });

  it('writes the E.164 number given, not the chat’s raw phone', () => {
    expect(
      newRecordFields(settings, { ...chat, phone: '14155550123@s.whatsapp.net' }, '+14155550123', 'u'),
    ).toMatchObject({
      Mobile: '+14155550123',
    });
  });

  it('names a nameless chat "New WhatsApp contact: <+E.164>"', () => {
    expect(newRecordFields(settings, { ...chat, name: undefined }, '+14155550123', 'u').Last_Name).toBe(
      'New WhatsApp contact: +14155550123',
    );
  });

  it('leaves the link fields out when the chat has no URL', () => {
    const fields = newRecordFields(settings, { ...chat, url: undefined }, '+14155550123', 'u');
    expect(fields).not.toHaveProperty('Description');
    expect(fields).not.toHaveProperty('WhatsApp_Chat');
  });

  it('lets a setting that points at Description keep its own value', () => {
    const fields = newRecordFields({ ...settings, nameField: 'Description' }, chat, '+14155550123', 'u');
    expect(fields.Description).toBe('Ana Lima');
  });
});

describe('chooseOwner', () => {
  const user = (id: string, email: string, active = true): ZohoUser => ({
    id,
    email,
    fullName: id,
    profile: 'Standard',
    isAdmin: false,
    active,
  });
  const users = [
    user('u1', 'first@example.com'),
    user('u2', 'Agent.Brown@Example.com'),
    user('u3', 'gone@example.com', false),
  ];

  it('picks the active user whose email is the WhatsApp account owner’s, ignoring case and spaces', () => {
    expect(chooseOwner(users, 'agent.brown@example.com', 'fallback')).toBe('u2');
    expect(chooseOwner(users, ' AGENT.BROWN@EXAMPLE.COM ', 'fallback')).toBe('u2');
  });

  it('falls back to the connecting user when no active user has that email', () => {
    expect(chooseOwner(users, 'gone@example.com', 'fallback')).toBe('fallback');
    expect(chooseOwner(users, 'nobody@example.com', 'fallback')).toBe('fallback');
    expect(chooseOwner(users, undefined, 'fallback')).toBe('fallback');
    expect(chooseOwner(users, '', 'fallback')).toBe('fallback');
    expect(chooseOwner([], 'first@example.com', 'fallback')).toBe('fallback');
  });
});

describe('sameChatLink', () => {
  it('compares TimelinesAI chat ids when both links carry one', () => {
    expect(sameChatLink(CHAT_URL, 'https://app.timelines.ai/chat/7004887/')).toBe(true);
    expect(sameChatLink(CHAT_URL, 'https://app.timelines.ai/chat/7004888/messages/')).toBe(false);
  });

  it('compares other links up to case and a trailing slash', () => {
    expect(sameChatLink('https://Example.com/x/', 'https://example.com/x')).toBe(true);
    expect(sameChatLink('https://example.com/x', 'https://example.com/y')).toBe(false);
  });
});

describe('chatLinkUpdate', () => {
  const record = (value: unknown): ZohoRecord => ({ id: 'r1', Last_Name: 'Ana', WhatsApp_Chat: value });

  it('writes the link into an empty chat link field, changing nothing else', () => {
    expect(chatLinkUpdate(record(null), settings, CHAT_URL)).toEqual({ id: 'r1', WhatsApp_Chat: CHAT_URL });
    expect(chatLinkUpdate(record(''), settings, CHAT_URL)).toEqual({ id: 'r1', WhatsApp_Chat: CHAT_URL });
    expect(chatLinkUpdate({ id: 'r1' }, settings, CHAT_URL)).toEqual({ id: 'r1', WhatsApp_Chat: CHAT_URL });
  });

  it("replaces another chat's link", () => {
    expect(chatLinkUpdate(record('https://app.timelines.ai/chat/1/messages/'), settings, CHAT_URL)).toEqual({
      id: 'r1',
      WhatsApp_Chat: CHAT_URL,
    });
  });

  it('replaces stray text in the designated chat link field', () => {
    expect(chatLinkUpdate(record('call after 5pm'), settings, CHAT_URL)).toEqual({
      id: 'r1',
      WhatsApp_Chat: CHAT_URL,
    });
  });

  it('does nothing when the field already links this chat, in any spelling', () => {
    expect(chatLinkUpdate(record(CHAT_URL), settings, CHAT_URL)).toBeUndefined();
    expect(
      chatLinkUpdate(record('https://app.timelines.ai/chat/7004887'), settings, CHAT_URL),
    ).toBeUndefined();
  });

  it('does nothing without a chat URL', () => {
    expect(chatLinkUpdate(record(null), settings, undefined)).toBeUndefined();
  });
});

describe('renameDecision', () => {
  const ours = { createdByUs: true, lastWrittenName: 'Ana', currentName: 'Ana' };

  it('renames a record we created whose name is still the one we wrote', () => {
    expect(renameDecision({ ...ours, newChatName: 'Ana Lima' })).toBe('rename');
  });

  it('renames a placeholder name once WhatsApp knows the contact’s name', () => {
    const placeholder = 'New WhatsApp contact: +14155550123';
    expect(
      renameDecision({
        createdByUs: true,
        lastWrittenName: placeholder,
        currentName: placeholder,
        newChatName: 'Ana',
      }),
    ).toBe('rename');
  });

  it('never renames a record someone edited in the CRM since we wrote its name', () => {
    expect(renameDecision({ ...ours, currentName: 'Ana (VIP)', newChatName: 'Ana Lima' })).toBe(
      'keep-human-edit',
    );
  });

  it('keeps the name when we do not know what we last wrote', () => {
    expect(renameDecision({ ...ours, lastWrittenName: undefined, newChatName: 'Ana Lima' })).toBe(
      'keep-human-edit',
    );
  });

  it('never renames a matched, pre-existing record', () => {
    expect(renameDecision({ ...ours, createdByUs: false, newChatName: 'Ana Lima' })).toBe('not-ours');
  });

  it('does nothing when the WhatsApp name did not change or the record already has it', () => {
    expect(renameDecision({ ...ours, newChatName: 'Ana' })).toBe('unchanged');
    expect(renameDecision({ ...ours, newChatName: ' Ana ' })).toBe('unchanged');
    expect(renameDecision({ ...ours, currentName: 'Ana Lima', newChatName: 'Ana Lima' })).toBe('unchanged');
  });

  it('does nothing when WhatsApp did not change the name even if a human did', () => {
    expect(renameDecision({ ...ours, currentName: 'Ana (VIP)', newChatName: 'Ana' })).toBe('unchanged');
  });

  it('never replaces a name with a placeholder when the chat loses its name or shows a number', () => {
    expect(renameDecision({ ...ours, newChatName: undefined })).toBe('unchanged');
    expect(renameDecision({ ...ours, newChatName: '+1 415 555 0123' })).toBe('unchanged');
  });

  it('compares names after the same cleaning contactName applies', () => {
    const long = 'L'.repeat(200);
    const written = contactName({ name: long, phone: undefined });
    expect(
      renameDecision({
        createdByUs: true,
        lastWrittenName: written,
        currentName: written,
        newChatName: long,
      }),
    ).toBe('unchanged');
  });
});
