import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import {
  applicableFormats,
  MESSY_FORMATS,
  messySpelling,
  messySpellingOf,
  randomPhoneNumber,
  spellAs,
  type MessyFormat,
} from '../../emulator/zoho/seed/messyPhones.js';
import { phoneKey } from '../../server/src/sync/phoneKey.js';
import { mulberry32 } from '../../scripts/conversations.js';

const COUNTRIES = ['BR', 'MX', 'AR', 'GB', 'DE', 'US', 'ES', 'FR', 'IN', 'IT', 'CA', 'JP'] as const;
/** Orgs of the same countries, and of countries with other international prefixes (AU 0011, JP 010). */
const ORGS = [...COUNTRIES, 'AU'] as const;

function pickFrom<T>(list: readonly T[], rnd: () => number): T {
  return list[Math.floor(rnd() * list.length)]!;
}

describe('messySpelling', () => {
  it('has at least 12 formats', () => {
    expect(MESSY_FORMATS.length).toBeGreaterThanOrEqual(12);
    expect(new Set(MESSY_FORMATS).size).toBe(MESSY_FORMATS.length);
  });

  it('spells every number so that it keys back to its E.164 (4,000 numbers, 12 countries)', () => {
    const rnd = mulberry32(20240601);
    const used = new Map<MessyFormat, number>();
    const failures: string[] = [];
    for (let i = 0; i < 4000; i += 1) {
      const country = pickFrom(COUNTRIES, rnd);
      // Most records are of the org's own country; the rest are foreign numbers.
      const org = rnd() < 0.6 ? country : pickFrom(ORGS, rnd);
      const e164 = randomPhoneNumber(country, rnd);
      const { format, spelling } = messySpellingOf(e164, org, rnd);
      used.set(format, (used.get(format) ?? 0) + 1);
      const expected = phoneKey(e164, org);
      if (!expected?.startsWith('+') || phoneKey(spelling, org) !== expected) {
        failures.push(`${org} ${e164} ${format} ${JSON.stringify(spelling)} → ${phoneKey(spelling, org)}`);
      }
    }
    expect(failures).toEqual([]);
    // Every format was drawn, none starved: the country-specific ones apply to fewer numbers.
    expect(MESSY_FORMATS.filter((format) => !used.has(format))).toEqual([]);
  });

  it('keys back in every applicable format for the numbers of the issue', () => {
    for (const [e164, org] of [
      ['+5511981234001', 'BR'],
      ['+5521998765432', 'US'],
      ['+5491123456789', 'AR'],
      ['+5493512345678', 'DE'],
      ['+525512345678', 'MX'],
      ['+442079460958', 'GB'],
      ['+49301234567', 'US'],
      ['+14155550123', 'US'],
      ['+14155550198', 'AU'],
    ] as const) {
      const rnd = mulberry32(1);
      for (const format of applicableFormats(e164, org)) {
        const spelling = spellAs(format, e164, org, rnd);
        expect([format, spelling, phoneKey(spelling ?? '', org)]).toEqual([
          format,
          spelling,
          phoneKey(e164, org),
        ]);
      }
    }
  });

  it.each([
    ['international-parentheses', '+5511981234001', 'US', '+55 (11) 98123-4001'],
    ['trunk-zero', '+442079460958', 'DE', '+44 (0)20 7946 0958'],
    ['idd-00', '+5511981234004', 'BR', '0055 11 98123 4004'],
    ['idd-011', '+442079460958', 'US', '011 44 20 7946 0958'],
    ['idd-org', '+442079460958', 'AU', '0011 44 20 7946 0958'],
    ['national', '+5511981234006', 'BR', '(11) 98123-4006'],
    ['national', '+5491123456789', 'AR', '011 15-2345-6789'],
    ['br-without-9', '+5521998765432', 'US', '+55 21 9876-5432'],
    ['br-spaced-9', '+5511981234005', 'GB', '+55 11 9 8123-4005'],
    ['br-0xx', '+5511981234001', 'BR', '0xx11 98123-4001'],
    ['ar-without-9', '+5491123456789', 'ES', '+54 11 2345 6789'],
    ['ar-15', '+5491123456789', 'US', '+54 11 15 2345-6789'],
    ['mx-with-1', '+525512345678', 'US', '+52 1 55 1234 5678'],
    ['nanp-1', '+16135550123', 'US', '1 (613) 555-0123'],
    ['fullwidth', '+14155550123', 'JP', '＋１\u3000４１５\u3000５５５\u3000０１２３'],
  ] as const)('spells %s: %s in a %s org as %j', (format, e164, org, expected) => {
    expect(spellAs(format, e164, org, mulberry32(1))).toBe(expected);
  });

  it('uses a format only where it applies', () => {
    expect(spellAs('national', '+442079460958', 'US', mulberry32(1))).toBeUndefined(); // foreign
    expect(spellAs('br-without-9', '+551134567890', 'BR', mulberry32(1))).toBeUndefined(); // fixed line
    expect(spellAs('br-without-9', '+5511941234567', 'BR', mulberry32(1))).toBeUndefined(); // new range
    expect(spellAs('trunk-zero', '+390612345678', 'IT', mulberry32(1))).toBeUndefined(); // 0 is part of it
    expect(spellAs('idd-011', '+442079460958', 'AR', mulberry32(1))).toBeUndefined(); // 011 is Buenos Aires
    // In a German org "44 20 7946 0958" is a German number, and in a Mexican one "1 201 …" a Mexican.
    expect(applicableFormats('+442079460958', 'DE')).not.toContain('no-plus');
    expect(applicableFormats('+12015550123', 'MX')).not.toContain('no-plus');
    expect(applicableFormats('+442079460958', 'US')).toContain('no-plus');
  });

  it('is deterministic for a seed', () => {
    const run = (seed: number) => {
      const rnd = mulberry32(seed);
      return Array.from({ length: 50 }, () => messySpelling(randomPhoneNumber('BR', rnd), 'BR', rnd));
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('refuses an invalid number: seeds are made of real numbers', () => {
    expect(() => messySpelling('+1234', 'US', mulberry32(1))).toThrow(/valid E\.164/);
    expect(() => messySpelling('+5511981234001 ', 'US', mulberry32(1))).toThrow(/valid E\.164/);
  });
});

describe('randomPhoneNumber', () => {
  it('draws valid numbers of the country, mobiles and others', () => {
    const rnd = mulberry32(3);
    for (const country of COUNTRIES) {
      const numbers = Array.from({ length: 40 }, () => randomPhoneNumber(country, rnd));
      for (const e164 of numbers) {
        const parsed = parsePhoneNumberFromString(e164);
        expect([e164, parsed?.isValid(), parsed?.country]).toEqual([e164, true, country]);
      }
      expect(new Set(numbers).size).toBeGreaterThan(35);
    }
  });

  it('refuses an unknown country', () => {
    expect(() => randomPhoneNumber('XX', mulberry32(1))).toThrow(/unknown country/);
  });
});
