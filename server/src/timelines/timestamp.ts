/**
 * TimelinesAI timestamps → ISO 8601 instants in UTC.
 *
 * TimelinesAI writes `2024-01-08 10:35:18 +0200` (space separators, offset without colon), which
 * `Date.parse` does not reliably accept (V8 happens to, the spec does not promise it). We parse it
 * ourselves, and accept ISO 8601 and Unix epoch values too, because payloads relayed by other tools
 * sometimes re-encode the timestamp.
 */

/** Instants outside this window are almost certainly unit mistakes (ms read as s, or a zero date). */
const EARLIEST_MS = Date.UTC(2000, 0, 1);
const LATEST_MS = Date.UTC(2100, 0, 1);
/** Epoch numbers above this are milliseconds: as seconds they would be after the year 5000. */
const EPOCH_MILLIS_THRESHOLD = 1e11;

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;
const EPOCH_STRING = /^\d{9,13}(?:\.\d+)?$/;

export type TimestampResult = { ok: true; iso: string } | { ok: false; problem: string };

/**
 * Parses `YYYY-MM-DD HH:mm:ss +ZZZZ`, ISO 8601 with an offset or `Z`, or epoch seconds/milliseconds
 * (number or digit string). A date-time without an offset is refused: guessing its zone would put
 * messages into the wrong day's Note.
 */
export function parseTimelinesTimestamp(value: unknown): TimestampResult {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string')
    return { ok: false, problem: 'expected a date-time string or epoch seconds' };

  const text = value.trim();
  if (EPOCH_STRING.test(text)) return fromEpoch(Number(text));

  const m = DATE_TIME.exec(text);
  if (!m) {
    return {
      ok: false,
      problem: `not a date-time in the form "YYYY-MM-DD HH:mm:ss +ZZZZ": "${preview(text)}"`,
    };
  }
  const [, y, mo, d, h, mi, s = '0', fraction = '', zone] = m;
  if (zone === undefined) {
    return { ok: false, problem: `"${preview(text)}" has no UTC offset, so its instant is ambiguous` };
  }
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const millis = Math.floor(Number(`0.${fraction || '0'}`) * 1000);

  const localAsUtc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC silently rolls 2024-02-30 over to March: reject values that did not survive unchanged.
  const check = new Date(localAsUtc);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return { ok: false, problem: `"${preview(text)}" is not a valid calendar date-time` };
  }

  const offsetMinutes = parseOffsetMinutes(zone);
  if (offsetMinutes === undefined) return { ok: false, problem: `"${zone}" is not a valid UTC offset` };
  return inRange(localAsUtc - offsetMinutes * 60_000, text);
}

function parseOffsetMinutes(zone: string): number | undefined {
  if (/^(Z|UTC|GMT)$/i.test(zone)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!m) return undefined;
  const [, sign, hh, mm = '00'] = m;
  const hours = Number(hh);
  const minutes = Number(mm);
  if (hours > 14 || minutes > 59) return undefined;
  return (sign === '-' ? -1 : 1) * (hours * 60 + minutes);
}

function fromEpoch(value: number): TimestampResult {
  if (!Number.isFinite(value)) return { ok: false, problem: 'epoch value is not a finite number' };
  const ms = value >= EPOCH_MILLIS_THRESHOLD ? value : value * 1000;
  return inRange(Math.round(ms), String(value));
}

function inRange(ms: number, original: string): TimestampResult {
  if (!(ms >= EARLIEST_MS && ms < LATEST_MS)) {
    return { ok: false, problem: `"${preview(original)}" is outside the years 2000–2099` };
  }
  return { ok: true, iso: new Date(ms).toISOString() };
}

function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
