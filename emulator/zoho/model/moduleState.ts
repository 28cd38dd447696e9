/** One module of an org: its definition, its records, a value index for lookups, its deleted records. */
import type { DeletedRec, FieldDef, ModuleDef, RecordRec } from './types.js';

/** Values are indexed under this key: lower-cased string form. */
export function indexKey(v: unknown): string | undefined {
  if (typeof v === 'string') return v.toLowerCase();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v).toLowerCase();
  return undefined;
}

/** Ids are numeric strings: longer is larger, else compare as text. */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export class ModuleState {
  readonly records = new Map<string, RecordRec>();
  /** Deleted records by id, remembered for `GET /{module}/deleted`. */
  readonly deleted = new Map<string, DeletedRec>();
  /**
   * True while `records` iterates in ascending id order (every insert had a larger id than the last):
   * id-ordered reads (COQL `order by id`, record lists by id) then walk the map instead of sorting.
   */
  #idOrdered = true;
  #lastId = '';
  /** `records`' ids in order, rebuilt after a change (only while `idOrdered`). */
  #idList: string[] | undefined;
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

  get idOrdered(): boolean {
    return this.#idOrdered;
  }

  /** Adds a record to `records` and the value index. */
  insert(rec: RecordRec): void {
    if (this.records.size === 0) this.#idOrdered = true;
    else if (compareIds(rec.id, this.#lastId) <= 0) this.#idOrdered = false;
    this.#lastId = rec.id;
    this.#idList = undefined;
    this.records.set(rec.id, rec);
    this.indexAdd(rec);
  }

  /** Removes a record from `records` and the value index. */
  remove(rec: RecordRec): void {
    this.indexRemove(rec);
    this.records.delete(rec.id);
    this.#idList = undefined;
  }

  /**
   * The ids from the first one above `after` (all when undefined), ascending, when `records` is in id
   * order; undefined otherwise. Finds its start by bisection, so a page deep in a big module costs its
   * page.
   */
  idsAfter(after: string | undefined): string[] | undefined {
    if (!this.#idOrdered) return undefined;
    const list = (this.#idList ??= [...this.records.keys()]);
    if (after === undefined) return list;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareIds(list[mid] as string, after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return list.slice(lo);
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
