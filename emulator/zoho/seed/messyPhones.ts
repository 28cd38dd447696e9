/**
 * The ways people really write a phone number into a CRM phone field, for seeding the Zoho emulator
 * with pre-existing records, for the benchmark and for tests of the connector's phone index.
 *
 * Independent of the connector on purpose: this is the world's side (what humans type and what
 * WhatsApp rewrites), written from the numbering plans, not from the connector's parser, so a test that
 * reads these spellings back with the connector checks something real. Only libphonenumber's metadata
 * is shared (formats, validity, international prefixes).
 */
import {
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js/max';
import mobileExamples from 'libphonenumber-js/mobile/examples';

/** Every format `messySpelling` draws from; each spelling is tagged with one of these names. */
export const MESSY_FORMATS = [
  'e164', // +5511981234001 (what an integration writes)
  'international', // +55 11 98123 4001
  'international-dashes', // +55-11-98123-4001
  'international-dots', // +1 415.555.0198
  'international-parentheses', // +55 (11) 98123-4001, +1 (415) 555-0123
  'trunk-zero', // +44 (0)20 7946 0958: the national 0 kept in brackets
  'idd-00', // 0044 20 7946 0958
  'idd-011', // 011 44 20 7946 0958 (typed in North America)
  'idd-org', // the org country's own prefix: 0011 44 … from Australia, 010 44 … from Japan
  'no-plus', // 55 11 98123 4001: a country code without its "+"
  'national', // (11) 98123-4001, 020 7946 0958 (the org's own numbers)
  'national-digits', // 11981234001
  'national-dashes', // 11-98123-4001
  'nanp-1', // 1 (415) 555-0123 (North American numbers in a North American org)
  'unicode-spaces', // no-break, narrow no-break or figure spaces, non-breaking hyphens (pasted)
  'fullwidth', // ＋５５ １１ ９８１２３ ４００１ (typed with an East Asian input method)
  'extension', // +1 415 555 0123 x12, ext. 12, #12, ;ext=12
  'tel-uri', // tel:+55-11-98123-4001
  'labelled', // Cel: +55 11 98123 4001
  'br-without-9', // +55 11 8123-4001: a Brazilian mobile written before it gained its 9
  'br-spaced-9', // +55 11 9 8123-4001
  'br-0xx', // 0xx11 98123-4001 (a Brazilian org)
  'ar-without-9', // +54 11 2345-6789: an Argentine mobile without the 9 of international dialling
  'ar-15', // 011 15-2345-6789 / +54 11 15 2345-6789: with the national mobile prefix 15
  'mx-with-1', // +52 1 55 1234 5678: the mobile 1 Mexico dropped in 2019 (WhatsApp still uses it)
  'mx-old-prefix', // 044 55 1234 5678, 01 55 1234 5678 (a Mexican org, prefixes dropped in 2019)
] as const;

export type MessyFormat = (typeof MESSY_FORMATS)[number];

export interface MessySpelling {
  format: MessyFormat;
  spelling: string;
}

/** A messy spelling of `e164` as someone in an org of `orgCountry` may have typed it. */
export function messySpelling(e164: string, orgCountry: string, rng: () => number): string {
  return messySpellingOf(e164, orgCountry, rng).spelling;
}

/** Like `messySpelling`, with the name of the format drawn (uniformly among those that apply). */
export function messySpellingOf(e164: string, orgCountry: string, rng: () => number): MessySpelling {
  const subject = subjectOf(e164, orgCountry);
  const format = pick(applicable(subject), rng);
  const spelling = spell(format, subject, rng);
  if (spelling === undefined) throw new Error(`format ${format} does not apply to this number`);
  return { format, spelling };
}

/** The formats that can spell `e164` in an org of `orgCountry` without turning it into another number. */
export function applicableFormats(e164: string, orgCountry: string): MessyFormat[] {
  return applicable(subjectOf(e164, orgCountry));
}

/**
 * `e164` spelt in `format`, or undefined when the format does not apply to that number in that org
 * (a national format of a foreign number, a Brazilian rule for a German number, or a spelling the
 * org's own numbering plan would read as another valid number). Throws on an invalid `e164`: seeds
 * must be real numbers.
 */
export function spellAs(
  format: MessyFormat,
  e164: string,
  orgCountry: string,
  rng: () => number,
): string | undefined {
  return spell(format, subjectOf(e164, orgCountry), rng);
}

/** A number and the org it is written in, with what every format needs computed once. */
interface Subject {
  number: PhoneNumber;
  org: CountryCode | undefined;
  cc: string;
  /** Digit groups of the international format: +55 11 98123 4001 → 11, 98123, 4001. */
  groups: string[];
  /** True when the org dials the number nationally. */
  domestic: boolean;
  national: string;
}

function subjectOf(e164: string, orgCountry: string): Subject {
  const number = parsePhoneNumberFromString(e164);
  if (!number?.isValid() || number.number !== e164) {
    throw new Error('messy spellings are made of valid E.164 numbers');
  }
  const org = countryCode(orgCountry);
  return {
    number,
    org,
    cc: number.countryCallingCode,
    groups: internationalGroups(number),
    domestic: isDomestic(number, org),
    national: number.formatNational(),
  };
}

function applicable(subject: Subject): MessyFormat[] {
  const fixedRng = () => 0;
  return MESSY_FORMATS.filter((format) => spell(format, subject, fixedRng) !== undefined);
}

function spell(format: MessyFormat, subject: Subject, rng: () => number): string | undefined {
  const { number, org, cc, groups, domestic, national } = subject;
  switch (format) {
    case 'e164':
      return number.number;
    case 'international':
      return number.formatInternational();
    case 'international-dashes':
      return `+${cc}-${groups.join('-')}`;
    case 'international-dots':
      return `+${cc} ${groups.join('.')}`;
    case 'international-parentheses':
      return groups.length < 2 ? undefined : `+${cc} (${groups[0]}) ${groups.slice(1).join('-')}`;
    case 'trunk-zero':
      // Only where the national prefix is a plain 0 in front of the national number (GB, DE, FR…).
      return digitsOf(national) === `0${number.nationalNumber}` ? `+${cc} (0)${groups.join(' ')}` : undefined;
    case 'idd-00': {
      // Brazil's international prefix is 00 and a carrier code: "0041 44 …" is a UK number there.
      const text = `00${cc} ${groups.join(' ')}`;
      return org === undefined || isNanp(org) || readsAsAnother(text, number, org) ? undefined : text;
    }
    case 'idd-011':
      return org !== undefined && isNanp(org) && !domestic ? `011 ${cc} ${groups.join(' ')}` : undefined;
    case 'idd-org':
      return org === undefined || domestic ? undefined : number.format('IDD', { fromCountry: org });
    case 'no-plus': {
      const text = `${cc} ${groups.join(' ')}`;
      return readsAsAnother(text, number, org) ? undefined : text;
    }
    case 'national':
      return domestic ? national : undefined;
    case 'national-digits':
      return domestic ? digitsOf(national) : undefined;
    case 'national-dashes':
      return domestic ? (national.match(/\d+/g) ?? []).join('-') : undefined;
    case 'nanp-1':
      return domestic && cc === '1' ? `1 ${national}` : undefined;
    case 'unicode-spaces':
      return unicodeSeparators(number.formatInternational(), rng);
    case 'fullwidth':
      return fullwidth(number.formatInternational());
    case 'extension':
      return number.formatInternational() + pick(EXTENSIONS, rng)(1 + Math.floor(rng() * 9999));
    case 'tel-uri':
      return `tel:+${cc}-${groups.join('-')}`;
    case 'labelled':
      return `${pick(LABELS, rng)} ${domestic ? national : number.formatInternational()}`;
    default:
      return countrySpelling(format, subject, rng);
  }
}

/** The formats that exist because of one country's numbering history. */
function countrySpelling(format: MessyFormat, subject: Subject, rng: () => number): string | undefined {
  const { number, domestic, national } = subject;
  const e164 = number.number;
  let m: RegExpExecArray | null;
  switch (format) {
    case 'br-without-9':
      // Brazilian mobiles gained a leading 9 in 2012–2016; only the old 8-digit numbers starting 6–9
      // were mobiles, so only +55 AA 9 [6-9]… has an 8-digit past.
      if (!(m = /^\+55(\d{2})9([6-9]\d{3})(\d{4})$/.exec(e164))) return undefined;
      return domestic ? `(${m[1]}) ${m[2]}-${m[3]}` : `+55 ${m[1]} ${m[2]}-${m[3]}`;
    case 'br-spaced-9':
      if (!(m = /^\+55(\d{2})9(\d{4})(\d{4})$/.exec(e164))) return undefined;
      return domestic ? `(${m[1]}) 9 ${m[2]}-${m[3]}` : `+55 ${m[1]} 9 ${m[2]}-${m[3]}`;
    case 'br-0xx':
      if (!domestic || !(m = /^\+55(\d{2})(\d{4,5})(\d{4})$/.exec(e164))) return undefined;
      return `0xx${m[1]} ${m[2]}-${m[3]}`;
    case 'ar-without-9': {
      // From abroad an Argentine mobile takes a 9 after +54 (and loses its national 15).
      const fixed = /^\+549(\d{10})$/.exec(e164) && parsePhoneNumberFromString(`+54${e164.slice(4)}`);
      return fixed ? fixed.formatInternational() : undefined;
    }
    case 'ar-15': {
      // The national format of an Argentine mobile is "0AA 15-XXXX-XXXX", area codes of 2 to 4 digits.
      const parts = e164.startsWith('+549') ? /^0(\d{2,4}) 15-(\d+)-(\d+)$/.exec(national) : null;
      if (!parts) return undefined;
      const [, area, a, b] = parts;
      return domestic ? `(0${area}) 15 ${a}-${b}` : `+54 ${area} 15 ${a}-${b}`;
    }
    case 'mx-with-1':
      if (!(m = /^\+52(\d{2})(\d{4})(\d{4})$/.exec(e164))) return undefined;
      return `+52 1 ${m[1]} ${m[2]} ${m[3]}`;
    case 'mx-old-prefix':
      // 044/045 dialled a mobile from a fixed line (local/long distance), 01 any long-distance number.
      return domestic && e164.startsWith('+52')
        ? `${pick(['044', '045', '01'], rng)} ${national}`
        : undefined;
    default:
      return undefined;
  }
}

/**
 * A random valid number of `country` in E.164, for seeds: most often a mobile close to the country's
 * example mobile (the ranges WhatsApp users have), otherwise any valid number of that country's
 * lengths (fixed lines, non-geographic numbers).
 */
export function randomPhoneNumber(country: string, rng: () => number): string {
  const code = countryCode(country);
  if (code === undefined) throw new Error(`unknown country ${JSON.stringify(country)}`);
  const cc = getCountryCallingCode(code);
  const example = mobileExamples[code];
  if (example === undefined) throw new Error(`no example number for ${code}`);
  const anyNumber = rng() < 0.3;
  for (let attempt = 0; attempt < 500; attempt += 1) {
    // Keep the example's operator prefix (all but its last 6 digits), or nothing but its length.
    const kept = anyNumber && attempt < 400 ? 0 : Math.max(0, example.length - 6);
    let nsn = example.slice(0, kept);
    while (nsn.length < example.length) nsn += String(Math.floor(rng() * 10));
    const parsed = parsePhoneNumberFromString(`+${cc}${nsn}`);
    if (parsed?.isValid() && parsed.country === code) return parsed.number;
  }
  throw new Error(`no valid number found for ${code}`);
}

const EXTENSIONS: ReadonlyArray<(n: number) => string> = [
  (n) => ` x${n}`,
  (n) => ` ext. ${n}`,
  (n) => ` #${n}`,
  (n) => `;ext=${n}`,
  (n) => ` ext ${n}`,
];

const LABELS = ['Cel:', 'Mobile:', 'Tel.', 'WhatsApp', 'Móvil:'] as const;

/** Separators people paste from web pages and word processors. */
const SPACES = ['\u00a0', '\u202f', '\u2007'] as const;
const DASHES = ['\u2011', '\u2013', '\u2014', '-'] as const;

function unicodeSeparators(international: string, rng: () => number): string {
  const [first = '', ...rest] = international.split(' ');
  const space = pick(SPACES, rng);
  // "+55 11 98123‑4001": the last two groups often joined by a dash.
  const last = rest.length > 1 ? `${rest.slice(-2).join(pick(DASHES, rng))}` : rest.join('');
  return [first, ...rest.slice(0, -2), last].filter(Boolean).join(space);
}

function fullwidth(text: string): string {
  return text
    .replace(/[0-9+]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))
    .replace(/ /g, '\u3000');
}

/**
 * True when `text` (digits without "+"), read as a national number of `org`, is a valid number that is
 * not `number`: a German "442079460958" is a number in Germany, so nobody there can have meant the UK.
 */
function readsAsAnother(text: string, number: PhoneNumber, org: CountryCode | undefined): boolean {
  if (org === undefined) return false;
  const national = parsePhoneNumberFromString(text, org);
  if (national === undefined) return false;
  const reading = national.isValid() ? national.number : currentForm(national.number);
  return reading !== undefined && reading !== number.number;
}

/**
 * The number today of a spelling from before a numbering change, when it is one: Brazil's 8-digit
 * mobiles (+55 21 9876 5432 is +55 21 9 9876 5432) and Mexico's mobile 1 (+52 1 55 … is +52 55 …).
 * A Mexican org reads "1 201 521 6266" as +52 201 521 6266, not as the US number.
 */
function currentForm(e164: string): string | undefined {
  const m = /^\+55(\d{2})([6-9]\d{7})$/.exec(e164);
  const candidate = m ? `+55${m[1]}9${m[2]}` : /^\+521\d{10}$/.test(e164) ? `+52${e164.slice(4)}` : undefined;
  return candidate !== undefined && parsePhoneNumberFromString(candidate)?.isValid() ? candidate : undefined;
}

function internationalGroups(number: PhoneNumber): string[] {
  return number
    .formatInternational()
    .replace(/^\+\d+\s*/, '')
    .split(/\s+/)
    .filter(Boolean);
}

/** True when an org of `org` dials `number` nationally (same country, or both in the +1 plan). */
function isDomestic(number: PhoneNumber, org: CountryCode | undefined): boolean {
  if (org === undefined) return false;
  return number.country === org || (number.countryCallingCode === '1' && isNanp(org));
}

function isNanp(country: CountryCode): boolean {
  return getCountryCallingCode(country) === '1';
}

function countryCode(country: string): CountryCode | undefined {
  const upper = country.trim().toUpperCase();
  return isSupportedCountry(upper) ? upper : undefined;
}

function digitsOf(text: string): string {
  return text.replace(/\D/g, '');
}

function pick<T>(list: readonly T[], rng: () => number): T {
  const item = list[Math.floor(rng() * list.length)];
  if (item === undefined) throw new Error('nothing to pick from');
  return item;
}
