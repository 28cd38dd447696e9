/**
 * Cutting text to Zoho's field limits without breaking characters.
 *
 * Zoho counts characters; JavaScript's `length` counts UTF-16 units, which is never fewer, so a text
 * whose `length` fits is safe. Cuts never split a surrogate pair (half an emoji renders as garbage).
 */

/**
 * `text` when its length is at most `max`; else its start followed by `ellipsis`, `max` long at most.
 * Trailing whitespace before the ellipsis is dropped.
 */
export function truncateText(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  if (max <= ellipsis.length) return sliceWhole(ellipsis, max);
  return `${sliceWhole(text, max - ellipsis.length).trimEnd()}${ellipsis}`;
}

/** The first `max` UTF-16 units of `text`, one fewer when that would split a surrogate pair. */
export function sliceWhole(text: string, max: number): string {
  const kept = text.slice(0, Math.max(0, max));
  return /[\uD800-\uDBFF]$/.test(kept) ? kept.slice(0, -1) : kept;
}
