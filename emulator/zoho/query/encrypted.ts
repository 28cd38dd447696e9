/**
 * What criteria may do with an encrypted field (model/encryption.ts says which fields are).
 *
 * COQL — Zoho's v8 COQL page ("Get Records through a COQL Query", notes): "Encrypted numeric fields
 * support =, !=, is null and is not null"; "Encrypted non-numeric fields support only is null and is
 * not null"; encrypted fields may be selected. The page's error list names INVALID_QUERY for "an
 * invalid operator" (400); the details (`column_name`, `operator`, `clause`, `reason`, `line`,
 * `column`) follow the OAS `Query_Exception` of `coql.json`. The reason text is ours (undocumented).
 *
 * Search — the Search Records page (v7 text, v8 unchanged): "The only operator that is supported for
 * encrypted fields is equals" in `criteria`, so `equals` (an exact match) is allowed and any other
 * operator is refused with 400 INVALID_QUERY naming the field (the error the page gives for an
 * operator a field does not support). `phone=`, `email=` and `word=` search Zoho's search index,
 * which cannot hold encrypted values: encrypted fields are simply not searched by them (plausible;
 * Zoho does not say), so a record whose only phone is encrypted is not found by `phone=`.
 */
import type { FieldDef } from '../model/types.js';
import { isEncrypted, isNumericType } from '../model/encryption.js';
import { CoqlError } from './coqlParser.js';

const REASON = 'the operator is not supported for an encrypted field';

/** Throws unless COQL allows `operator` on `f` ('is null' / 'is not null' always pass). */
export function checkCoqlOperator(f: FieldDef | 'id', operator: string, pos: number): void {
  if (f === 'id' || !isEncrypted(f)) return;
  if (operator === 'is null' || operator === 'is not null') return;
  if (isNumericType(f.dataType) && (operator === '=' || operator === '!=')) return;
  throw new CoqlError(
    'INVALID_QUERY',
    { column_name: f.apiName, operator, clause: 'where', line: 1, column: pos + 1, reason: REASON },
    'Invalid query formed',
  );
}

/** Throws unless the Search API allows `operator` on `f` in `criteria`. */
export function checkCriteriaOperator(f: FieldDef, operator: string): void {
  if (!isEncrypted(f) || operator === 'equals') return;
  throw new CoqlError(
    'INVALID_QUERY',
    { api_name: f.apiName, operator, reason: REASON },
    'invalid query formed',
  );
}

/** The fields `phone=`, `email=` and `word=` search: encrypted ones are not in the search index. */
export function searchable(fields: FieldDef[]): FieldDef[] {
  return fields.filter((f) => !isEncrypted(f));
}
