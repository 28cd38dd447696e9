/**
 * Phone numbers: normalising to E.164, WhatsApp's rewrites, and the spellings a human may have typed
 * into a CRM phone field.
 *
 * Uses libphonenumber-js's `max` metadata: it is the only one that validates numbers by range (not just
 * by length) and tells mobiles from fixed lines, which is what makes reading national numbers
 * ("415.555.0123" with the org's country) and the Brazil/Mexico/Argentina rewrites safe.
 */
import {
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js/max';

/** A country code as Zoho hands it over (ISO 3166 alpha-2, any case) or libphonenumber's own type. */
export type CountryLike = CountryCode | (string & {});

/** Longer inputs are not phone numbers (free text pasted into a phone field); don't spend time on them. */
const MAX_INPUT_LENGTH = 64;

/**
 * `raw` in E.164 (`+14155550123`), or undefined when it is not a usable phone number.
 *
 * Accepts: international numbers in any punctuation ("+1 (415) 555-0123"), the `00` international
 * prefix ("0044 20 7946 0958", and "0055 11 …" in Brazil, where 00 + a carrier code is the international
 * prefix too) and the default country's own prefix ("011 44 …" from the US), national
 * numbers with `defaultCountry` ("415.555.0123" + US), `tel:` URIs, `whatsapp:` prefixes and WhatsApp
 * JIDs (`14155550123@s.whatsapp.net`, `…:12@s.whatsapp.net` device suffixes too). Group JIDs (`@g.us`)
 * and other JIDs (`@lid`) are not phone numbers.
 *
 * Validation: national readings must be valid numbers (a national string is ambiguous, so only a
 * real number in the country's plan counts), or the national spelling of a WhatsApp legacy form whose
 * current form is valid ("(21) 9876-5432" in Brazil, "1 55 1234 5678" in Mexico). Explicitly international input (+, 00, JID) must be valid,
 * or at least of a possible length: it comes from WhatsApp, so the number exists even when the bundled
 * metadata has not caught up with a new range yet.
 *
 * Canonical form: a number WhatsApp spells the old way (Mexico's `+52 1 …`, Brazil's 8-digit mobile)
 * is returned in its current valid form when that is the only valid one of its WhatsApp equivalents.
 */
export function toE164(raw: string, defaultCountry?: CountryLike): string | undefined {
  // A pure function of its inputs, and libphonenumber takes 20-60 µs a reading: every webhook, Note
  // line and link of a chat reads the same few numbers again, so recent answers are remembered.
  if (raw.length > MAX_INPUT_LENGTH * 2) return readE164(raw, defaultCountry);
  const key = `${defaultCountry ?? ''}|${raw}`;
  const known = recent.get(key);
  if (known !== undefined) return known === null ? undefined : known;
  const e164 = readE164(raw, defaultCountry);
  if (recent.size >= RECENT_READINGS) recent.delete(recent.keys().next().value!);
  recent.set(key, e164 ?? null);
  return e164;
}

/** Readings remembered (first in, first out): a few MB at most, the numbers of thousands of chats. */
const RECENT_READINGS = 20_000;
const recent = new Map<string, string | null>();

function readE164(raw: string, defaultCountry?: CountryLike): string | undefined {
  const input = stripDecorations(raw);
  if (input === undefined) return undefined;
  const country = asCountryCode(defaultCountry);
  const digits = input.replace(/\D/g, '');
  if (digits.length < 3) return undefined;

  // libphonenumber reads the raw text (not just its digits) so extensions ("ext. 12") are set apart.
  if (input.startsWith('+')) return international(input);

  // National reading first: with the org's country, libphonenumber also understands that country's
  // own international prefix ("011 44 …" in the US, "00 44 …" in Germany).
  if (country) {
    // "00" and the org's own country code: how people write their own country's numbers "from abroad"
    // ("0055 11 98123 4004" in Brazil). Read first: in Brazil 00 followed by a carrier code is also an
    // international prefix, so "0055 66 2309 0161" would be read as a Thai number dialled via carrier 55.
    if (digits.startsWith(`00${getCountryCallingCode(country)}`)) {
      const own = international(`+${digits.slice(2)}`, { acceptPossible: false });
      if (own) return own;
    }
    // A national spelling of a WhatsApp legacy form ("(21) 9876-5432" in Brazil, "1 55 1234 5678" in
    // Mexico) reads as an invalid number: its valid equivalent is the person's number.
    const parsed = parsePhoneNumberFromString(input, country);
    const valid = parsed && validForm(parsed);
    if (valid) return valid;
  }
  // "00" is the international prefix of most of the world (ITU recommendation).
  if (input.startsWith('00')) return international(`+${input.slice(2)}`);
  // Digits without a "+" that are not a national number: most often an international number typed
  // without its "+" (or a JID's digits). Only a valid number counts: this reading is a guess.
  if (!/^[\d\s().-]+$/.test(input)) return undefined;
  return international(`+${digits}`, { acceptPossible: false });
}

/** Strips URI schemes, JID suffixes and surrounding noise; undefined when nothing phone-like is left. */
function stripDecorations(raw: string): string | undefined {
  let text = raw.trim();
  if (text === '' || text.length > MAX_INPUT_LENGTH) return undefined;
  text = text.replace(/^(tel|whatsapp|wa):\/*/i, '');
  text = text.split(';')[0] ?? ''; // tel: URI parameters (;ext=, ;phone-context=)
  const jid = /^(\d+)(?::\d+)?@([a-z.]+)$/i.exec(text);
  if (jid) {
    const [, number, server = ''] = jid;
    // Only personal JIDs carry a phone number; their digits are always international, without "+".
    return /^(s\.whatsapp\.net|c\.us)$/i.test(server) ? `+${number}` : undefined;
  }
  if (text.includes('@')) return undefined; // an email or a group/LID JID
  return text;
}

/**
 * Reads text that starts with "+": a valid number, else its valid WhatsApp equivalent, else (when
 * `acceptPossible`) a number of possible length.
 */
function international(text: string, { acceptPossible = true } = {}): string | undefined {
  const parsed = parsePhoneNumberFromString(text);
  if (!parsed) return undefined;
  return validForm(parsed) ?? (acceptPossible && parsed.isPossible() ? parsed.number : undefined);
}

/**
 * The number in E.164 when valid, else its first valid WhatsApp equivalent, else undefined.
 * WhatsApp's legacy spellings (Mexico's 521…, Brazil's 8-digit mobiles) are invalid today: returning
 * the valid form makes every spelling of one person's number normalise to the same string.
 */
export function validForm(parsed: PhoneNumber): string | undefined {
  if (parsed.isValid()) return parsed.number;
  for (const equivalent of whatsappEquivalents(parsed.number).slice(1)) {
    if (parsePhoneNumberFromString(equivalent)?.isValid()) return equivalent;
  }
  return undefined;
}

export function asCountryCode(country: CountryLike | undefined): CountryCode | undefined {
  const upper = country?.trim().toUpperCase();
  return upper && isSupportedCountry(upper) ? upper : undefined;
}

/**
 * Every E.164 number WhatsApp may use for the same person as `e164`, the input first.
 *
 * - Brazil (+55): mobiles gained a leading 9 (2012–2016); WhatsApp accounts created before still use
 *   the 8-digit form. Only 8-digit numbers starting 6–9 were mobiles (2–5 are fixed lines), so only
 *   those pair up: +55 11 9 8765 4321 ↔ +55 11 8765 4321.
 * - Mexico (+52): mobiles were dialled internationally with a 1 after +52 until 2019; WhatsApp still
 *   uses it: +52 1 55 1234 5678 ↔ +52 55 1234 5678. (Mexican numbers never start with 0 or 1.)
 * - Argentina (+54): mobiles take a 9 after +54 internationally; CRM users often store them without
 *   it: +54 9 11 2345 6789 ↔ +54 11 2345 6789. (Fixed and mobile lines share one numbering space there,
 *   so the pair cannot be two different people; area codes never start with 9, so +54 9… is never a
 *   10-digit number without the mobile 9.)
 */
export function whatsappEquivalents(e164: string): string[] {
  const out = [e164];
  let m: RegExpExecArray | null;
  if ((m = /^\+55(\d{2})9([6-9]\d{7})$/.exec(e164))) out.push(`+55${m[1]}${m[2]}`);
  else if ((m = /^\+55(\d{2})([6-9]\d{7})$/.exec(e164))) out.push(`+55${m[1]}9${m[2]}`);
  else if ((m = /^\+521(\d{10})$/.exec(e164))) out.push(`+52${m[1]}`);
  else if ((m = /^\+52([2-9]\d{9})$/.exec(e164))) out.push(`+521${m[1]}`);
  else if ((m = /^\+549(\d{10})$/.exec(e164))) out.push(`+54${m[1]}`);
  else if ((m = /^\+54([1-8]\d{9})$/.exec(e164))) out.push(`+549${m[1]}`);
  return out;
}

/**
 * True when both strings are the same phone number, or WhatsApp spellings of it. National numbers are
 * read in `orgCountry`. Unparseable input is never "the same" as anything.
 */
export function samePhone(a: string, b: string, orgCountry?: CountryLike): boolean {
  const ea = toE164(a, orgCountry);
  const eb = toE164(b, orgCountry);
  if (ea === undefined || eb === undefined) return false;
  return whatsappEquivalents(ea).includes(eb) || whatsappEquivalents(eb).includes(ea);
}
