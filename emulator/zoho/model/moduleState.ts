/** One module of an org: its definition, its records and a value index for lookups. */
import type { FieldDef, ModuleDef, RecordRec } from './types.js';

/** Values are indexed under this key: lower-cased string form. */
export function indexKey(v: unknown): string | undefined {
  if (typeof v === 'string') return v.toLowerCase();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v).toLowerCase();
  return undefined;
}

export class ModuleState {
  readonly records = new Map<string, RecordRec>();
  /** field API name → lower-cased value → record ids */
  readonly index = new Map<string, Map<string, Set<string>>>();
  #byName = new Map<string, FieldDef>();
  #byLower = new Map<string, FieldDef>();

  constructor(public def: ModuleDef) {
    this.reindexFields();
  }

  /** Call after changing `def.fields`. */
  reindexFields(): void {
    this.#byName = new Map(this.def.fields.map((f) => [f.apiName, f]));
    this.#byLower = new Map(this.def.fields.map((f) => [f.apiName.toLowerCase(), f]));
  }

  /** Field by API name (exact, else case-insensitive). */
  field(apiName: string): FieldDef | undefined {
    return this.#byName.get(apiName) ?? this.#byLower.get(apiName.toLowerCase());
  }

  /** Inserts a custom field before the trailing system fields (Created_By…), as Zoho lists them. */
  insertField(f: FieldDef, at: number): void {
    const before = this.def.fields.findIndex((x) => x.apiName === 'Created_By');
    if (before >= 0) this.def.fields.splice(before, 0, f);
    else this.def.fields.push(f);
    this.reindexFields();
    this.def.modifiedAt = at;
  }

  indexAdd(rec: RecordRec): void {
    for (const [k, v] of Object.entries(rec.values)) this.indexValue(k, v, rec.id, true);
  }

  indexRemove(rec: RecordRec): void {
    for (const [k, v] of Object.entries(rec.values)) this.indexValue(k, v, rec.id, false);
  }

  indexValue(field: string, v: unknown, id: string, add: boolean): void {
    const values = Array.isArray(v) ? v : [v];
    for (const one of values) {
      const key = indexKey(one);
      if (key === undefined) continue;
      let m = this.index.get(field);
      if (!m) {
        if (!add) continue;
        m = new Map();
        this.index.set(field, m);
      }
      let s = m.get(key);
      if (add) {
        if (!s) m.set(key, (s = new Set()));
        s.add(id);
      } else if (s) {
        s.delete(id);
        if (s.size === 0) m.delete(key);
      }
    }
  }

  /** Ids of records whose `field` equals `value` (case-insensitive). */
  lookup(field: string, value: unknown): Set<string> | undefined {
    const key = indexKey(value);
    if (key === undefined) return undefined;
    return this.index.get(field)?.get(key);
  }
}
