/**
 * Calendar days and clock times in the org's time zone.
 *
 * A Note holds one chat's messages of one calendar day *in the org's zone*, so the day of a
 * message is computed from its UTC instant with Intl (which carries the IANA tz database and is
 * DST-correct), never from the sender's offset or the server's local zone.
 */

const dayFormatters = new Map<string, Intl.DateTimeFormat>();
const timeFormatters = new Map<string, Intl.DateTimeFormat>();

/** Formatters are costly to build and used per message: one per zone, kept for the process lifetime. */
function formatter(
  cache: Map<string, Intl.DateTimeFormat>,
  timeZone: string,
  options: Intl.DateTimeFormatOptions,
) {
  let f = cache.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown zone: a settings bug that must surface, not a silent UTC fallback.
    f = new Intl.DateTimeFormat('en-US', { timeZone, ...options });
    cache.set(timeZone, f);
  }
  return f;
}

/**
 * Answers by zone and instant, remembered: a message's day and time are asked for again each time its
 * chat-day is grouped or its Note rendered, and formatToParts costs 5-10 µs. First in, first out.
 */
const recent = new Map<string, string>();
const RECENT_ANSWERS = 50_000;

function remembered(kind: string, isoInstant: string, timeZone: string, compute: () => string): string {
  const key = `${kind}|${timeZone}|${isoInstant}`;
  let answer = recent.get(key);
  if (answer === undefined) {
    answer = compute();
    if (recent.size >= RECENT_ANSWERS) recent.delete(recent.keys().next().value!);
    if (isoInstant.length <= 64) recent.set(key, answer);
  }
  return answer;
}

function partsOf(f: Intl.DateTimeFormat, isoInstant: string): Record<string, string> {
  const ms = Date.parse(isoInstant);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO 8601 instant: "${isoInstant}"`);
  const out: Record<string, string> = {};
  for (const part of f.formatToParts(ms)) out[part.type] = part.value;
  return out;
}

/** `YYYY-MM-DD`: the calendar day of the instant in the IANA `timeZone`. */
export function localDay(isoInstant: string, timeZone: string): string {
  return remembered('d', isoInstant, timeZone, () => {
    const p = partsOf(
      formatter(dayFormatters, timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' }),
      isoInstant,
    );
    return `${p.year}-${p.month}-${p.day}`;
  });
}

/** `HH:mm` (24-hour) of the instant in the IANA `timeZone`. */
export function localTime(isoInstant: string, timeZone: string): string {
  // hourCycle h23, not hour12:false: the latter prints midnight as "24:00" in some ICU versions.
  return remembered('t', isoInstant, timeZone, () => {
    const p = partsOf(
      formatter(timeFormatters, timeZone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
      isoInstant,
    );
    return `${p.hour}:${p.minute}`;
  });
}

/** `YYYY-MM-DD` → `DD/MM/YYYY`, the day format of Note titles (the integration guide's DD/MM/AAAA). */
export function formatDayForTitle(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new RangeError(`not a YYYY-MM-DD day: "${day}"`);
  return `${m[3]}/${m[2]}/${m[1]}`;
}

/** True when `timeZone` is an IANA zone this runtime knows (for validating the settings override). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
