import { describe, expect, it } from 'vitest';
import {
  formatDayForTitle,
  isKnownTimeZone,
  localDay,
  localTime,
} from '../../server/src/sync/dayGrouping.js';

describe('localDay', () => {
  it('gives the calendar day in the zone, not in UTC', () => {
    // 2024-01-08T02:30Z is still the 7th in Los Angeles and already the 8th in Tokyo.
    expect(localDay('2024-01-08T02:30:00.000Z', 'America/Los_Angeles')).toBe('2024-01-07');
    expect(localDay('2024-01-08T02:30:00.000Z', 'UTC')).toBe('2024-01-08');
    expect(localDay('2024-01-07T16:00:00.000Z', 'Asia/Tokyo')).toBe('2024-01-08');
  });

  it('handles zones with non-hour offsets', () => {
    expect(localDay('2024-01-07T18:29:00Z', 'Asia/Kolkata')).toBe('2024-01-07');
    expect(localDay('2024-01-07T18:30:00Z', 'Asia/Kolkata')).toBe('2024-01-08');
    expect(localDay('2024-01-07T18:15:00Z', 'Asia/Kathmandu')).toBe('2024-01-08');
  });

  it('follows daylight saving time (midnight moves by an hour across the change)', () => {
    // Europe/Madrid: UTC+1 in winter, UTC+2 from 2024-03-31.
    expect(localDay('2024-03-30T23:30:00Z', 'Europe/Madrid')).toBe('2024-03-31');
    expect(localDay('2024-03-30T22:59:00Z', 'Europe/Madrid')).toBe('2024-03-30');
    expect(localDay('2024-07-01T22:30:00Z', 'Europe/Madrid')).toBe('2024-07-02');
    expect(localDay('2024-07-01T21:59:00Z', 'Europe/Madrid')).toBe('2024-07-01');
  });

  it('accepts any ISO 8601 instant, with an offset too', () => {
    expect(localDay('2024-01-08T10:35:18+02:00', 'UTC')).toBe('2024-01-08');
    expect(localDay('2024-01-08T00:35:18+02:00', 'UTC')).toBe('2024-01-07');
  });

  it('throws on an unknown zone rather than silently using another', () => {
    expect(() => localDay('2024-01-08T00:00:00Z', 'Mars/Olympus_Mons')).toThrow(RangeError);
  });

  it('throws on a value that is not an instant', () => {
    expect(() => localDay('not a date', 'UTC')).toThrow(/not an ISO 8601 instant/);
  });
});

describe('localTime', () => {
  it('gives HH:mm in 24-hour form in the zone', () => {
    expect(localTime('2024-01-08T08:35:18.000Z', 'Europe/Madrid')).toBe('09:35');
    expect(localTime('2024-01-08T20:05:00.000Z', 'America/New_York')).toBe('15:05');
  });

  it('writes midnight as 00:00, never 24:00', () => {
    expect(localTime('2024-01-08T00:00:00Z', 'UTC')).toBe('00:00');
    expect(localTime('2024-01-07T23:00:00Z', 'Europe/Madrid')).toBe('00:00');
  });

  it('follows daylight saving time', () => {
    expect(localTime('2024-03-31T00:59:00Z', 'Europe/Madrid')).toBe('01:59');
    expect(localTime('2024-03-31T01:00:00Z', 'Europe/Madrid')).toBe('03:00');
  });

  it('agrees with localDay across a zone change of day', () => {
    const instant = '2024-01-08T05:10:00Z';
    expect([localDay(instant, 'America/Los_Angeles'), localTime(instant, 'America/Los_Angeles')]).toEqual([
      '2024-01-07',
      '21:10',
    ]);
  });
});

describe('formatDayForTitle', () => {
  it('turns YYYY-MM-DD into DD/MM/YYYY', () => {
    expect(formatDayForTitle('2024-01-08')).toBe('08/01/2024');
    expect(formatDayForTitle('2023-12-31')).toBe('31/12/2023');
  });

  it('throws on anything else', () => {
    expect(() => formatDayForTitle('08/01/2024')).toThrow(/not a YYYY-MM-DD day/);
    expect(() => formatDayForTitle('2024-1-8')).toThrow(RangeError);
  });
});

describe('isKnownTimeZone', () => {
  it('tells IANA zones from typos', () => {
    expect(isKnownTimeZone('Europe/Madrid')).toBe(true);
    expect(isKnownTimeZone('UTC')).toBe(true);
    expect(isKnownTimeZone('Europe/Madird')).toBe(false);
  });
});
