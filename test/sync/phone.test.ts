import { describe, expect, it } from 'vitest';
import { samePhone, toE164, whatsappEquivalents } from '../../server/src/sync/phone.js';

describe('toE164', () => {
  it.each([
    ['+1 (415) 555-0123', undefined, '+14155550123'],
    ['+14155550123', undefined, '+14155550123'],
    ['  +44 20 7946 0958  ', undefined, '+442079460958'],
    ['0044 20 7946 0958', undefined, '+442079460958'],
    ['0044 20 7946 0958', 'US', '+442079460958'],
    ['0044 20 7946 0958', 'GB', '+442079460958'],
    ['011 44 20 7946 0958', 'US', '+442079460958'],
    ['415.555.0123', 'US', '+14155550123'],
    ['(415) 555-0123', 'us', '+14155550123'],
    ['1 415 555 0123', 'US', '+14155550123'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['(11) 98765-4321', 'BR', '+5511987654321'],
    ['011 15 2345-6789', 'AR', '+5491123456789'],
  ])('normalises %j (country %s) to %s', (raw, country, expected) => {
    expect(toE164(raw, country)).toBe(expected);
  });

  it('reads tel: URIs, dropping their parameters', () => {
    expect(toE164('tel:+1-415-555-0123')).toBe('+14155550123');
    expect(toE164('tel:+1-415-555-0123;ext=12')).toBe('+14155550123');
    expect(toE164('TEL:+44-20-7946-0958')).toBe('+442079460958');
  });

  it('reads WhatsApp personal JIDs, with or without a device suffix', () => {
    expect(toE164('14155550123@s.whatsapp.net')).toBe('+14155550123');
    expect(toE164('14155550123:12@s.whatsapp.net')).toBe('+14155550123');
    expect(toE164('14155550123@c.us')).toBe('+14155550123');
    expect(toE164('whatsapp:+14155550123')).toBe('+14155550123');
  });

  it('refuses group JIDs, LIDs and emails: they are not phone numbers', () => {
    expect(toE164('120363041234567890@g.us')).toBeUndefined();
    expect(toE164('201234567890123@lid')).toBeUndefined();
    expect(toE164('ana@example.com')).toBeUndefined();
  });

  it('drops extensions from the E.164 form', () => {
    expect(toE164('+44 20 7946 0958 ext. 12')).toBe('+442079460958');
    expect(toE164('415-555-0123 x7', 'US')).toBe('+14155550123');
  });

  it('reads digits without "+" as an international number when no country (or not the country) fits', () => {
    expect(toE164('14155550123')).toBe('+14155550123');
    expect(toE164('5215512345678')).toBe('+525512345678');
    expect(toE164('10555550123')).toBeUndefined(); // a guess must be a valid number
    expect(toE164('447911123456', 'US')).toBe('+447911123456');
  });

  it('does not guess a country for a national number without one', () => {
    expect(toE164('415.555.0123')).toBeUndefined();
    expect(toE164('4155550123')).toBeUndefined();
    expect(toE164('020 7946 0958', 'US')).toBeUndefined();
  });

  it('ignores an unknown default country instead of failing', () => {
    expect(toE164('+14155550123', 'XX')).toBe('+14155550123');
    expect(toE164('4155550123', 'XX')).toBeUndefined();
  });

  it.each(['', '   ', 'abc', '+1', '12', '+123456789', '+1 415 555 CALL', 'x'.repeat(100)])(
    'refuses %j',
    (raw) => {
      expect(toE164(raw)).toBeUndefined();
    },
  );

  it('returns WhatsApp legacy spellings in their current valid form', () => {
    // Mexico's "1" after +52 (WhatsApp JIDs still use it) and Brazil's 8-digit mobiles.
    expect(toE164('+5215512345678')).toBe('+525512345678');
    expect(toE164('5215512345678@s.whatsapp.net')).toBe('+525512345678');
    expect(toE164('+551187654321')).toBe('+5511987654321');
    expect(toE164('551187654321@s.whatsapp.net')).toBe('+5511987654321');
  });

  it('reads national spellings of the legacy forms in their current valid form', () => {
    expect(toE164('(21) 9876-5432', 'BR')).toBe('+5521998765432');
    expect(toE164('1 55 1234 5678', 'MX')).toBe('+525512345678');
  });

  it("reads 00 and the org's own country code as international, even where 00 + a carrier is a prefix", () => {
    // In Brazil "00 55" also dials abroad through carrier 55: "0055 66 2309 0161" would be a Thai number.
    expect(toE164('0055 66 2309 0161', 'BR')).toBe('+556623090161');
    expect(toE164('0055 11 98123 4004', 'BR')).toBe('+5511981234004');
  });

  it('keeps both Argentine spellings, since both are valid numbers', () => {
    expect(toE164('+5491123456789')).toBe('+5491123456789');
    expect(toE164('+541123456789')).toBe('+541123456789');
  });

  it('accepts an explicitly international number of possible length even if the metadata calls it invalid', () => {
    // Numbers from WhatsApp exist; new ranges can be missing from the bundled metadata.
    expect(toE164('+1 055 555 0123')).toBe('+10555550123');
  });
});

describe('whatsappEquivalents', () => {
  it('always lists the input first', () => {
    expect(whatsappEquivalents('+14155550123')).toEqual(['+14155550123']);
    expect(whatsappEquivalents('+442079460958')).toEqual(['+442079460958']);
  });

  it('pairs Brazilian mobiles with and without the 9 after the area code', () => {
    expect(whatsappEquivalents('+5511987654321')).toEqual(['+5511987654321', '+551187654321']);
    expect(whatsappEquivalents('+551187654321')).toEqual(['+551187654321', '+5511987654321']);
  });

  it('does not pair Brazilian fixed lines or new mobile ranges that never had an 8-digit form', () => {
    expect(whatsappEquivalents('+551134567890')).toEqual(['+551134567890']);
    expect(whatsappEquivalents('+5511941234567')).toEqual(['+5511941234567']);
  });

  it('pairs Mexican numbers with and without the 1 after +52', () => {
    expect(whatsappEquivalents('+525512345678')).toEqual(['+525512345678', '+5215512345678']);
    expect(whatsappEquivalents('+5215512345678')).toEqual(['+5215512345678', '+525512345678']);
  });

  it('pairs Argentine mobiles with and without the 9 after +54', () => {
    expect(whatsappEquivalents('+5491123456789')).toEqual(['+5491123456789', '+541123456789']);
    expect(whatsappEquivalents('+541123456789')).toEqual(['+541123456789', '+5491123456789']);
  });

  it('leaves numbers of other lengths in those countries alone', () => {
    expect(whatsappEquivalents('+52155123456')).toEqual(['+52155123456']);
    expect(whatsappEquivalents('+55119876543210')).toEqual(['+55119876543210']);
  });

  it('never invents a mobile prefix in front of a number that already starts with it', () => {
    // +54 9112345678 is not a 10-digit Argentine number (no area code starts with 9); same for +52 1….
    expect(whatsappEquivalents('+549112345678')).toEqual(['+549112345678']);
    expect(whatsappEquivalents('+521551234567')).toEqual(['+521551234567']);
  });
});

describe('samePhone', () => {
  it('is true for two spellings of one number', () => {
    expect(samePhone('+1 (415) 555-0123', '415.555.0123', 'US')).toBe(true);
    expect(samePhone('0044 20 7946 0958', '+44 20 7946 0958')).toBe(true);
    expect(samePhone('14155550123@s.whatsapp.net', 'tel:+1-415-555-0123')).toBe(true);
  });

  it("is true for WhatsApp's rewrites of one person's number", () => {
    expect(samePhone('+5215512345678', '55 1234 5678', 'MX')).toBe(true);
    expect(samePhone('+54 9 11 2345 6789', '+54 11 2345-6789')).toBe(true);
    expect(samePhone('551187654321@s.whatsapp.net', '(11) 98765-4321', 'BR')).toBe(true);
  });

  it('is false for different numbers and for unparseable input', () => {
    expect(samePhone('+14155550123', '+14155550124')).toBe(false);
    expect(samePhone('+14155550123', '4155550123')).toBe(false); // national without a country
    expect(samePhone('', '')).toBe(false);
    expect(samePhone('abc', 'abc')).toBe(false);
  });
});
