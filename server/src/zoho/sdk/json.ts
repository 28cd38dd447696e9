/** Reading Zoho's JSON answers as the SDK hands them over (`getResponseJSON()`): plain objects. */

export type Json = Record<string, unknown>;

export function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return '';
}

export function optStr(v: unknown): string | undefined {
  const s = str(v);
  return s === '' ? undefined : s;
}

/** The objects of the array `json[key]` (`data`, `users`, `fields`, …); [] when there is none. */
export function objectsOf(json: Json | undefined, key: string): Json[] {
  const arr = json?.[key];
  return Array.isArray(arr) ? arr.filter(isObj) : [];
}

/** The raw entries of `json[key]` (a row answer may be anything: rowResult judges each one). */
export function entriesOf(json: Json | undefined, key: string): unknown[] {
  const arr = json?.[key];
  return Array.isArray(arr) ? arr : [];
}

/** Zoho's `info.more_records` of a page. */
export function hasMoreRecords(json: Json | undefined): boolean {
  return isObj(json?.info) && json.info.more_records === true;
}
