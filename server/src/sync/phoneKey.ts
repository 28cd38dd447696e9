/**
 * The phone index key: one string per person's number, whatever way it was typed into a CRM phone field
 * or handed over by WhatsApp, so that matching a chat to a record is one exact lookup.
 *
 * A key is either
 * - `+<E.164>` of the number (read with the org's country as the default region), with WhatsApp's
 *   equivalent spellings folded onto one side (see `canonicalEquivalent`), or
 * - `#<digits>` for a value that does not read as a number (a national number of a foreign country, a
 *   number from a range the metadata does not know, a typo): two such values meet only when their digits
 *   are the same, and never meet a number's `+` key, so nothing is guessed.
 *
 * Pure: no I/O, no state beyond libphonenumber's metadata.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { asCountryCode, toE164, validForm, whatsappEquivalents, type CountryLike } from './phone.js';

/** Fewer digits than this is not a phone number worth indexing (a stray "12", an extension alone). */
export const MIN_KEY_DIGITS = 6;
/** More digits than this is not one phone number (E.164 allows 15; two numbers pasted together, notes). */
const MAX_KEY_DIGITS = 24;
/** Longer values are free text pasted into a phone field. */
const MAX_RAW_LENGTH = 100;

/**
 * The index key of `raw` (a CRM phone field's value, or a chat's number), or undefined when it holds no
 * usable number (empty, too few digits, an email, free text).
 *
 * Cleans what people type before reading the number: any Unicode space (no-break, narrow, figure) or
 * dash, other punctuation, non-ASCII digits (fullwidth, Arabic-Indic, Devanagari…), labels around the
 * number ("Cel: … (Maria)"), `tel:` prefixes, extensions (`x12`, `ext. 12`, `#12`, `;ext=12`, `,,12`),
 * `(0)` after a country code, `00` / the org's own international prefix (`011` in North America, and
 * when the org's country is unknown), a country code
 * without its `+`, and the obsolete national prefixes of Brazil (`0xx11`) and Mexico (`044`, `045`,
 * `01`). A national spelling is read in `orgCountry` only; when it is not a valid number there, it gets
 * a `#` key (a foreign national number cannot be known, so it is not guessed).
 */
export function phoneKey(raw: string, orgCountry?: CountryLike): string | undefined {
  if (raw.length > MAX_RAW_LENGTH) return undefined;
  if (raw.includes('@')) {
    // A WhatsApp JID has a number; an email or a group JID has none (their digits mean nothing).
    const e164 = toE164(raw);
    return e164 && canonicalEquivalent(e164);
  }
  const { digits, number } = cleanTyped(raw);
  if (digits.length < MIN_KEY_DIGITS || digits.length > MAX_KEY_DIGITS) return undefined;
  const e164 = number === undefined ? undefined : readNumber(number, asCountryCode(orgCountry));
  return e164 === undefined ? `#${digits}` : canonicalEquivalent(e164);
}

/** True for a key of a value that did not read as a phone number (it can only meet the same digits). */
export function isDigitsKey(key: string): boolean {
  return key.startsWith('#');
}

/**
 * The distinct keys of one record's phone fields, in field order. Values that are not strings or numbers
 * (null, a lookup object) hold no phone number.
 */
export function phoneKeysOfRecord(
  record: Readonly<Record<string, unknown>>,
  phoneFields: readonly string[],
  orgCountry?: CountryLike,
): string[] {
  const keys = new Set<string>();
  for (const field of phoneFields) {
    const value = record[field];
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    const key = phoneKey(String(value), orgCountry);
    if (key !== undefined) keys.add(key);
  }
  return [...keys];
}

/**
 * The one E.164 spelling that stands for all of `e164`'s WhatsApp equivalents in the index:
 * - Brazil: the 9-digit mobile (+55 21 9 9876 5432, the current number), never the pre-2016 8-digit form;
 * - Mexico: without the 1 after +52 (+52 55 1234 5678, the number since 2019), never +52 1 …;
 * - Argentina: with the 9 after +54 (+54 9 11 2345 6789, how a mobile is dialled from abroad and what
 *   WhatsApp uses), never +54 11 …; a fixed line gets the 9 too, harmlessly, since Argentina's fixed
 *   and mobile lines share one numbering space and no area code starts with 9.
 * In short: the form you would dial today from abroad to reach the mobile. Other numbers are their own key.
 */
export function canonicalEquivalent(e164: string): string {
  const all = whatsappEquivalents(e164);
  if (all.length === 1) return e164;
  const byLength = [...all].sort((a, b) => a.length - b.length);
  return (e164.startsWith('+52') ? byLength[0] : byLength[byLength.length - 1]) ?? e164;
}

/**
 * The digits of `raw` (extension and labels left out), and `number`: `raw` reduced to an optional
 * leading "+" and digit groups separated by single spaces, or undefined when what is left is not one
 * number (letters of a vanity number or free text, a "+" in the middle).
 */
function cleanTyped(raw: string): { digits: string; number?: string } {
  // Fast path: almost every value is ASCII already; NFKC turns fullwidth digits, "＋" and the no-break
  // spaces into their ASCII forms, `asciiDigits` the other scripts' digits.
  let text = /^[\x20-\x7e]*$/.test(raw) ? raw : asciiDigits(raw.normalize('NFKC'));
  // Brazil's "0xx11": xx stood for the long-distance carrier the caller picks.
  text = text.replace(/(^|[^\p{L}\d])0\s*xx\s*(?=\d)/iu, '$10');
  text = text.replace(/^\s*(?:tel|whatsapp|wa):\/*/i, '').replace(EXTENSION, '');
  // Labels around the number ("Cel:", "(Maria)") are not part of it.
  const first = text.search(/[+\d]/);
  const last = text.search(/\d\D*$/);
  if (first < 0 || last < 0) return { digits: '' };
  text = text.slice(first, last + 1);
  const digits = text.replace(/\D/g, '');
  let plus = text.startsWith('+');
  const body = plus ? text.slice(1) : text;
  if (body.includes('+') || /\p{L}/u.test(body)) return { digits };
  if (plus && body.startsWith('00')) plus = false; // "+0055 …": both international markers at once
  return { digits, number: (plus ? '+' : '') + body.replace(/\D+/g, ' ').trim() };
}

/**
 * Extensions at the end of a value: "x12", "ext. 12", "extension 12", "#12", ";ext=12", ",,12" (dial
 * pauses), and the words Brazilians, French and Germans use ("ramal", "poste", "Durchwahl"/"DW").
 */
const EXTENSION =
  /(?:\s*;\s*ext=|\s*,+\s*|\s*(?:ext(?:ension)?|x|#|ramal|poste|durchwahl|dw|int(?:erno)?)\s*[.:=]?\s*)\d{1,7}\s*#?\s*$/i;

/** Digits of any script (Arabic-Indic, Devanagari, …) as ASCII; other characters unchanged. */
function asciiDigits(text: string): string {
  return text.replace(/[^\p{ASCII}]/gu, (char) => {
    if (!/\p{Nd}/u.test(char)) return char;
    // Unicode encodes every script's decimal digits as runs of ten, 0 to 9, so a digit's value is its
    // distance from the start of its block of digit runs, modulo 10.
    let start = char.codePointAt(0)!;
    while (/\p{Nd}/u.test(String.fromCodePoint(start - 1))) start -= 1;
    return String((char.codePointAt(0)! - start) % 10);
  });
}

/** The E.164 number `text` (cleaned) stands for in an org of `org`, or undefined. */
function readNumber(text: string, org: ReturnType<typeof asCountryCode>): string | undefined {
  let input = text;
  if (org === 'MX' && !input.startsWith('+')) {
    // Mexico's national prefixes abolished in 2019: 01 (long distance), 044/045 (a mobile from a
    // fixed line, local/long distance). libphonenumber's metadata no longer strips them.
    const m = /^(?:01|04[45])(\d{10})$/.exec(input.replace(/ /g, ''));
    if (m) input = m[1]!;
  }
  const e164 = toE164(input, org);
  if (e164 !== undefined || org !== undefined || !input.startsWith('011')) return e164;
  // "011" is North America's international prefix (a North American org's reading covers it). With no
  // org country it can be nothing else; with one, it is often a national prefix (São Paulo, Buenos
  // Aires, Delhi, Turin, Sapporo all dial 011), so it is not read as international there.
  const parsed = parsePhoneNumberFromString(`+${input.slice(3)}`);
  return parsed && validForm(parsed);
}
