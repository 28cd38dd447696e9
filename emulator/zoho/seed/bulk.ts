/**
 * Bulk seeding for tests and benchmarks: many records at once (100,000 in a few seconds), with their
 * Created/Modified_Time, and a module full of phone numbers spelt as people type them.
 *
 * Seeded rows stand for data already in the CRM (imports, older integrations, years of typing): they
 * are validated like API writes (field names, types, lengths, mandatory fields) except that phone
 * values are only length-checked, because people's spellings (`Cel: +55 …`, `tel:+1-…`, full-width
 * digits) are exactly what a seed must be able to hold.
 */
import type { ModuleState } from '../model/moduleState.js';
import type { OrgState } from '../model/orgState.js';
import type { Mint } from '../model/build.js';
import { validateRecordRow } from '../records/validate.js';
import { insertRecord } from '../records/write.js';
import { parseZohoDateTime } from '../time.js';
import { seededRandom } from '../../random.js';

export interface SeedRecordsOptions {
  /** Who created the records (default: the org's first active administrator). */
  byUserId?: string;
  /** Created_Time of rows that do not name theirs (ms since epoch; default: now). */
  createdAt?: number;
  /** Modified_Time of rows that do not name theirs (default: their Created_Time). */
  modifiedAt?: number;
}

export interface MessyPhoneSeed {
  /** E.164 numbers, one record each, in this order. */
  numbers: string[];
  /**
   * A spelling of the number as a person may have typed it, e.g. the phone branch's
   * `(e164, rng) => messySpelling(e164, orgCountry, rng)`.
   */
  spell: (e164: string, rng: () => number) => string;
  /** Seed of the deterministic random generator (default 1): the same seed gives the same module. */
  seed?: number;
  /** Phone fields the numbers are spread over (default: every phone field of the module). */
  phoneFields?: string[];
  /** Other values of record i (default: the module's mandatory text fields as `Customer i`). */
  values?: (i: number) => Record<string, unknown>;
  createdAt?: number;
  byUserId?: string;
}

export interface SeededPhone {
  id: string;
  e164: string;
  field: string;
  spelling: string;
}

function timeOf(v: unknown, what: string, i: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? parseZohoDateTime(v) : undefined;
  if (ms === undefined || !Number.isFinite(ms))
    throw new Error(`emulator: seed row ${i}: ${what} must be ms or an ISO date-time with offset`);
  return ms;
}

/** Inserts `rows` (field API name → value, plus optional Created_Time / Modified_Time); their ids in order. */
export function seedRecords(
  mint: Mint,
  org: OrgState,
  mod: ModuleState,
  rows: Record<string, unknown>[],
  byUserId: string,
  opts: SeedRecordsOptions = {},
): string[] {
  const now = mint.now();
  return rows.map((row, i) => {
    const { Created_Time: created, Modified_Time: modified, ...fields } = row;
    const v = validateRecordRow(org, mod, fields, i, 'create', { lenientPhones: true });
    if (!v.ok) throw new Error(`emulator: seed row ${i}: ${v.error.code} ${JSON.stringify(v.error.details)}`);
    const createdAt = timeOf(created, 'Created_Time', i) ?? opts.createdAt ?? now;
    const modifiedAt = timeOf(modified, 'Modified_Time', i) ?? opts.modifiedAt ?? createdAt;
    const rec = insertRecord(mint, org, mod, v.changes, v.ownerId, { byUserId, at: createdAt });
    rec.modifiedAt = Math.max(modifiedAt, createdAt);
    return rec.id;
  });
}

function defaultValues(mod: ModuleState): (i: number) => Record<string, unknown> {
  const mandatory = mod.def.fields.filter((f) => f.mandatory && !f.readOnly && f.dataType === 'text');
  return (i) => Object.fromEntries(mandatory.map((f) => [f.apiName, `Customer ${i + 1}`]));
}

/** A spelling that fits the field (a few draws; a spell function that never fits is a bug: throws). */
function fittingSpelling(spec: MessyPhoneSeed, e164: string, rng: () => number, max: number): string {
  for (let attempt = 0; attempt < 8; attempt++) {
    const s = spec.spell(e164, rng);
    if (typeof s === 'string' && s.length > 0 && s.length <= max) return s;
  }
  throw new Error(`emulator: no spelling of a seeded number fits the ${max} characters of the field`);
}

/** Fills a module with one record per number, each number spelt messily in one of its phone fields. */
export function seedMessyPhones(
  mint: Mint,
  org: OrgState,
  mod: ModuleState,
  spec: MessyPhoneSeed,
  byUserId: string,
): SeededPhone[] {
  const phoneFields = (
    spec.phoneFields ?? mod.def.fields.filter((f) => f.dataType === 'phone').map((f) => f.apiName)
  )
    .map((n) => mod.field(n))
    .map((f, k) => {
      if (!f || f.dataType !== 'phone')
        throw new Error(`emulator: ${spec.phoneFields?.[k]} is not a phone field`);
      return f;
    });
  if (phoneFields.length === 0) throw new Error(`emulator: ${mod.def.apiName} has no phone field`);
  const rng = seededRandom(spec.seed ?? 1);
  const values = spec.values ?? defaultValues(mod);
  const placed = spec.numbers.map((e164) => {
    const f = phoneFields[Math.floor(rng() * phoneFields.length)] ?? phoneFields[0]!;
    return { e164, field: f.apiName, spelling: fittingSpelling(spec, e164, rng, f.length ?? 30) };
  });
  const rows = placed.map((p, i) => ({ ...values(i), [p.field]: p.spelling }));
  const ids = seedRecords(mint, org, mod, rows, byUserId, { createdAt: spec.createdAt });
  return placed.map((p, i) => ({ ...p, id: ids[i] ?? '' }));
}
