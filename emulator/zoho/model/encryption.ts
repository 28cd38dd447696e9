/**
 * Zoho's field encryption, as the emulator models it.
 *
 * - Which types can be encrypted: Zoho's Custom Fields API (v7 page, unchanged in v8) lists text,
 *   textarea, email, phone, date, datetime, integer, currency, bigint, double and website.
 * - The field metadata's `crypt`: null when the field is not encrypted, else an object whose `mode`
 *   and `status` are required by the v8 OpenAPI file (`fields.json`, schema `crypt`); the Fields
 *   API page documents `{"mode": "encryption", "status": 1}` (1 = encrypted, 2 = in progress). The
 *   OAS also lists optional `column`, `table`, `encFldIds`, `notify`, for which no value is
 *   documented: the emulator leaves them out.
 * - What criteria may do with an encrypted field is in query/encrypted.ts.
 */
import type { EmuFieldType, FieldDef } from './types.js';

const ENCRYPTABLE: ReadonlySet<EmuFieldType> = new Set<EmuFieldType>([
  'text',
  'textarea',
  'email',
  'phone',
  'website',
  'date',
  'datetime',
  'integer',
  'bigint',
  'double',
  'currency',
]);

/** Encrypted numbers keep `=`/`!=` in COQL (Zoho's v8 COQL page); other types keep only null tests. */
const NUMERIC: ReadonlySet<EmuFieldType> = new Set<EmuFieldType>(['integer', 'bigint', 'double', 'currency']);

export function canEncrypt(f: Pick<FieldDef, 'dataType' | 'readOnly'>): boolean {
  return ENCRYPTABLE.has(f.dataType) && !f.readOnly;
}

export function isEncrypted(f: FieldDef): boolean {
  return f.encrypted === true;
}

export function isNumericType(t: EmuFieldType): boolean {
  return NUMERIC.has(t);
}

/** The `crypt` of a field's metadata. */
export function cryptJson(f: FieldDef): { mode: string; status: number } | null {
  return isEncrypted(f) ? { mode: 'encryption', status: 1 } : null;
}

/** Throws a clear Error when `f` cannot be encrypted (seeds and the state API). */
export function assertEncryptable(f: FieldDef, module: string): void {
  if (!canEncrypt(f)) {
    throw new Error(
      `emulator: ${module}.${f.apiName} (${f.dataType}${f.readOnly ? ', read-only' : ''}) cannot be encrypted; ` +
        'Zoho encrypts text, textarea, email, phone, website, date, datetime and number fields',
    );
  }
}
