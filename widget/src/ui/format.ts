/** Dates as a CRM user reads them, in the browser's locale and time zone. */

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** A time of day in the browser's zone, e.g. "13:32" (locale order). */
export function formatTime(d: Date): string {
  return new Intl.DateTimeFormat(undefined, { timeStyle: 'short' }).format(d);
}

/** A calendar day (no time zone shift: the day is the one written in the Note's title). */
export function formatDay(year: number, month: number, day: number): string {
  const d = new Date(Date.UTC(year, month - 1, day, 12));
  return new Intl.DateTimeFormat(undefined, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(d);
}

/**
 * How long ago an instant was, in words ("2 minutes ago", "yesterday"), in the browser's language;
 * under 45 seconds is "just now". Future instants (a clock ahead of the server's) count as now.
 */
export function formatRelative(iso: string, now: number = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const seconds = Math.max(0, (now - t) / 1000);
  if (seconds < 45) return 'just now';
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const minutes = seconds / 60;
  if (minutes < 45) return rtf.format(-Math.max(1, Math.round(minutes)), 'minute');
  const hours = minutes / 60;
  if (hours < 22) return rtf.format(-Math.round(hours), 'hour');
  const days = hours / 24;
  if (days < 26) return rtf.format(-Math.round(days), 'day');
  return formatDateTime(iso);
}

/** A count with its digits grouped in the reader's locale ("120,000" in English). */
export function formatCount(n: number, locale?: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(n);
}
