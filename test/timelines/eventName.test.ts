import { describe, expect, it } from 'vitest';
import {
  classifyEventName,
  directionOfWord,
  normaliseEventName,
} from '../../server/src/timelines/eventName.js';

describe('normaliseEventName', () => {
  it.each([
    ['message.received', 'message:received'],
    ['message_received', 'message:received'],
    ['Message-Received', 'message:received'],
    ['messageReceived', 'message:received'],
    ['  message:sent:new ', 'message:sent:new'],
    ['message/sent', 'message:sent'],
    ['message__received..new', 'message:received:new'],
  ])('spells %j as %j', (name, expected) => {
    expect(normaliseEventName(name)).toBe(expected);
  });
});

describe('classifyEventName', () => {
  it.each(['message:new', 'message:created', 'message', 'new_message', 'message.create', 'MESSAGE:NEW'])(
    'treats %j as a new message of unknown direction',
    (name) => {
      expect(classifyEventName(name)).toEqual({ kind: 'message', direction: undefined });
    },
  );

  it.each([
    'message:received:new',
    'message:received',
    'message.received',
    'message_received',
    'messageReceived',
    'incoming_message',
    'message:inbound',
    'message:new:received',
  ])('treats %j as a received message', (name) => {
    expect(classifyEventName(name)).toEqual({ kind: 'message', direction: 'received' });
  });

  it.each([
    'message:sent:new',
    'message:sent',
    'message.sent',
    'message_sent',
    'outgoing_message',
    'message:outbound',
  ])('treats %j as a sent message', (name) => {
    expect(classifyEventName(name)).toEqual({ kind: 'message', direction: 'sent' });
  });

  it.each([
    'chat:new',
    'chat:message:new:extra',
    'message:updated',
    'message:deleted',
    'message:status',
    'message:reaction',
    'message:sent:received',
    'message:message',
    'whatsapp_account:connected',
    '',
  ])('treats %j as another event', (name) => {
    expect(classifyEventName(name)).toEqual({ kind: 'other' });
  });
});

describe('directionOfWord', () => {
  it('reads the payload direction vocabulary case-insensitively', () => {
    expect(directionOfWord('Sent')).toBe('sent');
    expect(directionOfWord(' received ')).toBe('received');
    expect(directionOfWord('incoming')).toBe('received');
    expect(directionOfWord('outgoing')).toBe('sent');
    expect(directionOfWord('sideways')).toBeUndefined();
  });
});
