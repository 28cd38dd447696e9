/** The phone index's state record: how a build starts, and when it must start again. */
import type { PhoneIndexState } from './schema.js';

export function newIndexState(
  module: string,
  phoneFields: readonly string[],
  now = new Date(),
): PhoneIndexState {
  return {
    module,
    status: 'building',
    done: 0,
    total: undefined,
    scanAfterId: undefined,
    modifiedCursor: undefined,
    deletedCursor: undefined,
    deletedCheckedAt: undefined,
    phoneFields: [...phoneFields].sort(),
    startedAt: now.toISOString(),
    readyAt: undefined,
  };
}

/** The index was built from these phone fields (a field added or removed means a rebuild). */
export function sameFields(a: readonly string[], b: readonly string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((f, i) => f === y[i]);
}
