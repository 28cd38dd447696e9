import { describe, expect, it } from 'vitest';
import { parseTimelinesTimestamp } from '../../server/src/timelines/timestamp.js';

const iso = (value: unknown) => {
  const r = parseTimelinesTimestamp(value);
  return r.ok ? r.iso : `error: ${r.problem}`;
};

describe('parseTimelinesTimestamp', () => {
  it('converts the TimelinesAI format "YYYY-MM-DD HH:mm:ss +ZZZZ" to ISO UTC', () => {
    expect(iso('2024-01-08 10:35:18 +0200')).toBe('2024-01-08T08:35:18.000Z');
    expect(iso('2023-06-18 15:19:23 +0300')).toBe('2023-06-18T12:19:23.000Z');
  });

  it('applies negative and half-hour offsets, crossing the date line when needed', () => {
    expect(iso('2024-01-08 22:30:00 -0500')).toBe('2024-01-09T03:30:00.000Z');
    expect(iso('2024-01-08 00:10:00 +0530')).toBe('2024-01-07T18:40:00.000Z');
    expect(iso('2024-01-08 00:10:00 +05:45')).toBe('2024-01-07T18:25:00.000Z');
  });

  it('accepts ISO 8601 with Z, an offset, or fractional seconds', () => {
    expect(iso('2024-01-08T08:35:18Z')).toBe('2024-01-08T08:35:18.000Z');
    expect(iso('2024-01-08T10:35:18+02:00')).toBe('2024-01-08T08:35:18.000Z');
    expect(iso('2024-01-08T08:35:18.123456Z')).toBe('2024-01-08T08:35:18.123Z');
    expect(iso('2024-01-08 08:35 UTC')).toBe('2024-01-08T08:35:00.000Z');
  });

  it('accepts epoch seconds and epoch milliseconds, as numbers or digit strings', () => {
    expect(iso(1704702918)).toBe('2024-01-08T08:35:18.000Z');
    expect(iso(1704702918123)).toBe('2024-01-08T08:35:18.123Z');
    expect(iso('1704702918')).toBe('2024-01-08T08:35:18.000Z');
    expect(iso(1704702918.5)).toBe('2024-01-08T08:35:18.500Z');
  });

  it('refuses a date-time without an offset, because its instant is ambiguous', () => {
    expect(iso('2024-01-08 10:35:18')).toMatch(/no UTC offset/);
  });

  it('refuses impossible calendar values instead of rolling them over', () => {
    expect(iso('2024-02-30 10:00:00 +0000')).toMatch(/not a valid calendar date-time/);
    expect(iso('2024-01-08 24:00:00 +0000')).toMatch(/not a valid calendar date-time/);
    expect(iso('2024-01-08 10:00:00 +1500')).toMatch(/not a valid UTC offset/);
  });

  it('refuses text that is not a date-time, naming the value', () => {
    expect(iso('yesterday')).toBe(
      'error: not a date-time in the form "YYYY-MM-DD HH:mm:ss +ZZZZ": "yesterday"',
    );
    expect(iso('')).toMatch(/not a date-time/);
  });

  it('refuses non-string, non-number values', () => {
    expect(iso(true)).toMatch(/expected a date-time string or epoch seconds/);
    expect(iso(null)).toMatch(/expected/);
  });

  it('refuses instants outside 2000–2099 (unit mistakes such as 0 or a far-future number)', () => {
    expect(iso(0)).toMatch(/outside the years/);
    expect(iso('1999-12-31 23:59:59 +0000')).toMatch(/outside the years/);
    expect(iso(Number.NaN)).toMatch(/finite/);
    expect(iso(Number.POSITIVE_INFINITY)).toMatch(/finite/);
  });
});
