import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import {
  canonicalEquivalent,
  isDigitsKey,
  MIN_KEY_DIGITS,
  phoneKey,
  phoneKeysOfRecord,
} from '../../server/src/sync/phoneKey.js';

const NBSP = '\u00a0';
const NNBSP = '\u202f'; // narrow no-break space
const FIGURE = '\u2007'; // figure space
const NBHYPHEN = '\u2011';
const EN_DASH = '\u2013';
const EM_DASH = '\u2014';

/**
 * [what a CRM phone field holds, the org's country, the chat's number as WhatsApp gives it (E.164)].
 * The first rows are the spellings found in real CRMs that made chats miss their records.
 */
const MATCHES: ReadonlyArray<readonly [string, string | undefined, string]> = [
  // Brazil
  ['+55 (11) 98123-4001', 'BR', '+5511981234001'],
  ['011 98123-4002', 'BR', '+5511981234002'],
  [`+55${NBSP}11${NBSP}98123-4003`, 'US', '+5511981234003'],
  ['0055 11 98123 4004', 'BR', '+5511981234004'],
  ['+55 11 9 8123-4005', 'BR', '+5511981234005'],
  ['(11)98123-4006', 'BR', '+5511981234006'],
  ['0xx11 98123-4001', 'BR', '+5511981234001'],
  ['Cel: (11) 98123-4001 (Maria)', 'BR', '+5511981234001'],
  ['5511981234001', 'US', '+5511981234001'],
  ['＋５５ １１ ９８１２３ ４００１', 'JP', '+5511981234001'],
  [`+55 11 98123${NBHYPHEN}4001`, undefined, '+5511981234001'],
  ['+55 11 3456-7890', 'BR', '+551134567890'],
  // Brazil's 8- and 9-digit mobiles, both ways
  ['+55 21 99876-5432', 'BR', '+552198765432'],
  ['+552198765432', 'BR', '+5521998765432'],
  ['(21) 9876-5432', 'BR', '+5521998765432'],
  ['21 99876 5432', 'BR', '+552198765432'],
  // Argentina: +54 / +54 9 and the national 15, both ways
  ['+54 11 2345-6789', 'AR', '+5491123456789'],
  ['+5491123456789', 'AR', '+541123456789'],
  ['011 15 2345-6789', 'AR', '+5491123456789'],
  ['(0351) 15 234-5678', 'AR', '+5493512345678'],
  ['+54 351 15 234 5678', 'US', '+543512345678'],
  // Mexico: +52 / +52 1, both ways, and the prefixes abolished in 2019
  ['+52 55 1234 5678', 'MX', '+5215512345678'],
  ['+52 1 55 1234 5678', 'MX', '+525512345678'],
  ['044 55 1234 5678', 'MX', '+525512345678'],
  ['01 81 1234 5678', 'MX', '+5218112345678'],
  ['1 55 1234 5678', 'MX', '+525512345678'],
  // United Kingdom
  ['+44 (0)20 7946 0958', 'DE', '+442079460958'],
  [`+44${NNBSP}20${NNBSP}7946${NNBSP}0958`, 'GB', '+442079460958'],
  ['020 7946 0958', 'GB', '+442079460958'],
  [`+44 20 7946${EN_DASH}0958`, 'FR', '+442079460958'],
  ['07400 123456', 'GB', '+447400123456'],
  // Germany
  ['+49 (0) 30 1234567', 'US', '+49301234567'],
  ['030/1234567', 'DE', '+49301234567'],
  ['0151 23456789', 'DE', '+4915123456789'],
  ['+49 151 2345 6789 Durchwahl 12', 'DE', '+4915123456789'],
  // United States and Canada
  ['+1 415.555.0198', 'BR', '+14155550198'],
  ['+1 (415) 555-0123', 'US', '+14155550123'],
  ['1-415-555-0123', 'US', '+14155550123'],
  ['(415) 555-0123 x7', 'US', '+14155550123'],
  ['tel:+1-415-555-0123;ext=12', undefined, '+14155550123'],
  ['+1 415 555 0123 #12', 'GB', '+14155550123'],
  ['613 555 0123', 'US', '+16135550123'],
  ['011 44 20 7946 0958', 'US', '+442079460958'],
  ['011 44 20 7946 0958', undefined, '+442079460958'],
  // Spain, France, Italy, India, Portugal, Japan
  ['612 34 56 78', 'ES', '+34612345678'],
  ['0034 91 234 56 78', 'ES', '+34912345678'],
  [`06${FIGURE}12${FIGURE}34${FIGURE}56${FIGURE}78`, 'FR', '+33612345678'],
  ['+33 (0)1 42 68 53 00', 'ES', '+33142685300'],
  [`+33 6 12 34 56 78 poste 204`, 'FR', '+33612345678'],
  ['06 1234 5678', 'IT', '+390612345678'],
  ['+39 (0)6 1234 5678', 'ES', '+390612345678'],
  ['+39 312 345 6789', 'IT', '+393123456789'],
  ['098765 43210', 'IN', '+919876543210'],
  [`+91${EM_DASH}98765${EM_DASH}43210`, 'US', '+919876543210'],
  ['+९१ ९८७६५ ४३२१०', 'IN', '+919876543210'],
  ['00351 912 345 678', 'GB', '+351912345678'],
  ['03-1234-5678', 'JP', '+81312345678'],
];

/** [stored, org, a chat's number it must not match]: one digit, one country code or one country away. */
const NEAR_MISSES: ReadonlyArray<readonly [string, string | undefined, string]> = [
  // A different last digit
  ['+55 (11) 98123-4001', 'BR', '+5511981234002'],
  ['+55 21 99876-5432', 'BR', '+552198765433'],
  ['+54 11 2345-6789', 'AR', '+5491123456780'],
  ['+44 (0)20 7946 0958', 'GB', '+442079460959'],
  ['+1 (415) 555-0123', 'US', '+14155550124'],
  ['+52 1 55 1234 5678', 'MX', '+525512345679'],
  // A different country code, same national digits
  ['+33 6 12 34 56 78', 'FR', '+34612345678'],
  ['+1 207 946 0958', 'US', '+442079460958'],
  ['+52 55 1234 5678', 'MX', '+15512345678'],
  ['+91 98765 43210', 'IN', '+529876543210'],
  // A national number read in the org's country, not the chat's
  ['612 34 56 78', 'FR', '+34612345678'],
  ['06 12 34 56 78', 'ES', '+33612345678'],
  ['020 7946 0958', 'US', '+442079460958'],
  ['(11) 98123-4001', 'AR', '+5511981234001'],
  ['011 15 2345-6789', 'US', '+5491123456789'],
  ['011 44 20 7946 0958', 'IT', '+442079460958'], // 011 is Turin's area code there: not guessed
  ['1 55 1234 5678', 'US', '+525512345678'],
  // Only Brazil's old mobiles (6–9) gained a 9: a fixed line is not the mobile with a 9 in front
  ['+55 11 3456-7890', 'BR', '+5511934567890'],
];

describe('phoneKey: stored spellings meet the chat number', () => {
  it('covers at least 30 spellings over at least 8 countries, all of real numbers', () => {
    expect(MATCHES.length).toBeGreaterThanOrEqual(30);
    const countries = new Set(MATCHES.map(([, , chat]) => parsePhoneNumberFromString(chat)?.country));
    expect(countries.size).toBeGreaterThanOrEqual(8);
    for (const [, , chat] of [...MATCHES, ...NEAR_MISSES]) {
      // Every chat number is valid, or a WhatsApp legacy form whose key (current form) is valid.
      const key = phoneKey(chat);
      expect([chat, key && parsePhoneNumberFromString(key)?.isValid()]).toEqual([chat, true]);
    }
  });

  it.each(MATCHES)('%j (org %s) matches %s', (stored, org, chat) => {
    const key = phoneKey(stored, org);
    expect(key).toBeDefined();
    expect(key).toBe(phoneKey(chat, org));
    expect(key?.startsWith('+')).toBe(true);
  });

  it.each(NEAR_MISSES)('%j (org %s) does not match %s', (stored, org, chat) => {
    const key = phoneKey(stored, org);
    expect(key).toBeDefined();
    expect(key).not.toBe(phoneKey(chat, org));
  });

  it('keys a number the same in every org when it is written with its country code', () => {
    for (const org of [undefined, 'BR', 'US', 'DE', 'IN', 'xx']) {
      expect(phoneKey('+55 (11) 98123-4001', org)).toBe('+5511981234001');
      expect(phoneKey('+44 (0)20 7946 0958', org)).toBe('+442079460958');
    }
  });
});

describe("phoneKey: WhatsApp's equivalent spellings fold onto one documented side", () => {
  it.each([
    // Brazil: the 9-digit mobile
    ['+552198765432', '+5521998765432'],
    ['+5521998765432', '+5521998765432'],
    // Mexico: without the 1
    ['+5215512345678', '+525512345678'],
    ['+525512345678', '+525512345678'],
    // Argentina: with the 9 (a fixed line too: one numbering space)
    ['+541123456789', '+5491123456789'],
    ['+5491123456789', '+5491123456789'],
    ['+541143215678', '+5491143215678'],
  ])('%s → %s', (e164, key) => {
    expect(phoneKey(e164)).toBe(key);
    expect(canonicalEquivalent(e164)).toBe(key);
  });

  it('leaves numbers without an equivalent alone', () => {
    expect(canonicalEquivalent('+551134567890')).toBe('+551134567890'); // a Brazilian fixed line
    expect(canonicalEquivalent('+5511941234567')).toBe('+5511941234567'); // never had 8 digits
    expect(canonicalEquivalent('+442079460958')).toBe('+442079460958');
  });

  it('reads WhatsApp JIDs, and nothing from other addresses', () => {
    expect(phoneKey('552198765432@s.whatsapp.net')).toBe('+5521998765432');
    expect(phoneKey('5215512345678:3@s.whatsapp.net')).toBe('+525512345678');
    expect(phoneKey('120363041234567890@g.us')).toBeUndefined();
    expect(phoneKey('ana.5511981234001@example.com', 'BR')).toBeUndefined();
  });
});

describe('phoneKey: values that are not a number', () => {
  it.each(['', '   ', 'abc', 'n/a', '-', '12345', '+1', 'x12', '(0)', 'x'.repeat(200), '1'.repeat(30)])(
    'gives no key for %j',
    (raw) => {
      expect(phoneKey(raw, 'US')).toBeUndefined();
    },
  );

  it(`keys a value that does not read as a number by its digits (at least ${MIN_KEY_DIGITS})`, () => {
    // A national number of another country: unknowable, so not guessed, but exact copies still meet.
    expect(phoneKey('020 7946 0958', 'US')).toBe('#02079460958');
    expect(phoneKey('020-7946-0958', 'US')).toBe(phoneKey('(020) 7946 0958', 'US'));
    expect(phoneKey('+1 415 555 CALL', 'US')).toBe('#1415555');
    expect(phoneKey('123456', 'US')).toBe('#123456');
    expect(isDigitsKey('#123456')).toBe(true);
    expect(isDigitsKey('+14155550123')).toBe(false);
  });

  it('never gives a digits key to a number written with its country code', () => {
    expect(phoneKey('+1 415 555 0123 / +1 415 555 0124', 'US')).toBe('#1415555012314155550124');
    expect(phoneKey('+14155550123')).toBe('+14155550123');
  });

  it('reads a number of possible length from an international spelling (ranges the metadata lacks)', () => {
    // WhatsApp numbers exist even when the bundled metadata has not caught up with a new range.
    expect(phoneKey('+1 055 555 0123')).toBe('+10555550123');
  });
});

describe('phoneKeysOfRecord', () => {
  it("returns the distinct keys of a record's phone fields, in field order", () => {
    const record = {
      id: '1',
      Phone: '+55 (11) 98123-4001',
      Mobile: '(11) 98123-4001',
      Home_Phone: '(21) 9876-5432',
      Other_Phone: null,
      Fax: '',
      Asst_Phone: { value: '+5511981234001' },
      Email: 'ana@example.com',
    };
    expect(
      phoneKeysOfRecord(record, ['Phone', 'Mobile', 'Home_Phone', 'Other_Phone', 'Fax', 'Asst_Phone'], 'BR'),
    ).toEqual(['+5511981234001', '+5521998765432']);
  });

  it('reads numeric values and ignores fields the record does not have', () => {
    expect(phoneKeysOfRecord({ Phone: 14155550123 }, ['Phone', 'Mobile'], 'US')).toEqual(['+14155550123']);
    expect(phoneKeysOfRecord({}, ['Phone'], 'US')).toEqual([]);
  });
});
