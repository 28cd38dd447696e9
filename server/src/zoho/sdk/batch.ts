/**
 * The chunked batch write shared by records and Notes: Zoho takes at most 100 rows per call and
 * fails rows one by one inside 200/201/207/400, so
 * - rows go in chunks of 100, one call each, and come back as one RowResult per input row, in
 *   input order;
 * - a row whose values are refused before sending (bad id, bad API name, a value the SDK's field
 *   metadata rejects) fails alone, the rest of its chunk is sent;
 * - a chunk failing as a whole (5xx, timeout, …) after an earlier chunk wrote something becomes
 *   failed rows: never a throw, which would hide the ids already created. Before anything was
 *   written, the failure is thrown (the caller retries the whole write).
 */
import { toZohoError } from './errors.js';
import { chunk } from '../../lib/chunk.js';
import { failedRow, rowResult, type WriteResult } from './convert.js';
import { entriesOf } from './json.js';
import type { Answer } from './client.js';

/** Zoho's maximum of rows per write call. */
export const ROWS_PER_CALL = 100;
/** A write of more than this many rows is a "complex" call for Zoho's concurrency sub-limit. */
export const COMPLEX_ROWS = 10;

/** The rows of a chunk that were built (input indexes, in the order sent) and their SDK objects. */
export interface BuiltRows<T> {
  items: T[];
  sent: number[];
}

/** Builds the SDK object of each row of a chunk; a row that `make` refuses (throws) fails alone. */
export type BuildRows = <T>(part: number[], what: string, make: (i: number) => T) => BuiltRows<T>;

/** One chunk's call: the rows sent and Zoho's answer (`data[k]` answers `sent[k]`). */
export interface SentChunk {
  sent: number[];
  answer: Answer;
}

/**
 * Writes `count` rows: `writeChunk` builds (with `buildRows`) and sends the rows of one chunk, and
 * resolves with what it sent, or undefined when nothing was left to send. `what` names the write in
 * messages, e.g. "create Leads records".
 */
export async function writeInChunks(
  count: number,
  what: string,
  writeChunk: (part: number[], buildRows: BuildRows) => Promise<SentChunk | undefined>,
): Promise<WriteResult[]> {
  const results = new Array<WriteResult | undefined>(count);
  const buildRows: BuildRows = (part, rowWhat, make) => {
    const built: BuiltRows<ReturnType<typeof make>> = { items: [], sent: [] };
    for (const i of part) {
      try {
        built.items.push(make(i));
        built.sent.push(i);
      } catch (e) {
        results[i] = failedRow(toZohoError(e, undefined, rowWhat));
      }
    }
    return built;
  };
  let anyWritten = false;
  for (const part of chunk([...Array(count).keys()], ROWS_PER_CALL)) {
    try {
      const done = await writeChunk(part, buildRows);
      if (!done) continue;
      const data = entriesOf(done.answer.json, 'data');
      done.sent.forEach((i, k) => {
        const r = rowResult(data[k]);
        results[i] = r;
        if (r.ok) anyWritten = true;
      });
    } catch (e) {
      const err = toZohoError(e, undefined, what);
      if (!anyWritten) throw err;
      for (const i of part) results[i] ??= failedRow(err);
    }
  }
  return results.map(
    (r) => r ?? { ok: false, code: 'temporary', zohoCode: 'NOT_SENT', message: 'not sent', field: undefined },
  );
}
