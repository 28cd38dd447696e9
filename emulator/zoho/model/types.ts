/**
 * Data model of the Zoho CRM emulator. Everything is plain data (JSON-serialisable except
 * attachment bytes) so that the whole state can be snapshotted to a file.
 */

/** Zoho field data types the emulator understands (Zoho's own `data_type` strings). */
export type EmuFieldType =
  | 'text'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'website'
  | 'picklist'
  | 'multiselectpicklist'
  | 'integer'
  | 'bigint'
  | 'double'
  | 'currency'
  | 'percent'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'ownerlookup'
  | 'autonumber';

export interface PicklistValue {
  id: string;
  display: string;
  actual: string;
}

export interface FieldDef {
  id: string;
  apiName: string;
  label: string;
  dataType: EmuFieldType;
  length: number | undefined;
  /** Zoho's `system_mandatory`. */
  mandatory: boolean;
  /** System-computed or system-managed (Created_Time, Full_Name…): silently ignored on write. */
  readOnly: boolean;
  custom: boolean;
  unique: boolean;
  picklist: PicklistValue[] | undefined;
  /** Zoho's field encryption is on (metadata `crypt` non-null); absent in snapshots from before it. */
  encrypted?: boolean;
  createdAt: number;
  modifiedAt: number;
}

export interface ModuleDef {
  id: string;
  apiName: string;
  singularLabel: string;
  pluralLabel: string;
  generatedType: 'default' | 'custom';
  apiSupported: boolean;
  /** 'records' for ordinary modules; 'notes' for the Notes module (served by the Notes endpoints). */
  kind: 'records' | 'notes';
  /** Fields checked by upsert when the request names none (Zoho's system-defined duplicate check). */
  duplicateCheck: string[];
  fields: FieldDef[];
  modifiedAt: number;
}

export interface UserRec {
  id: string;
  zuid: string;
  email: string;
  firstName: string;
  lastName: string;
  profile: { id: string; name: string };
  role: { id: string; name: string };
  status: 'active' | 'disabled' | 'deleted';
  createdAt: number;
}

export interface RecordRec {
  id: string;
  /** field API name → stored JSON value (system fields Owner, Created_By, Modified_By and times are kept apart). */
  values: Record<string, unknown>;
  ownerId: string;
  createdById: string;
  modifiedById: string;
  createdAt: number;
  modifiedAt: number;
}

/** A record deleted through the API, in the CRM UI or by a merge (what `GET /{module}/deleted` lists). */
export interface DeletedRec {
  id: string;
  displayName: string | null;
  createdById: string;
  deletedById: string;
  deletedAt: number;
}

export interface NoteRec {
  id: string;
  title: string | null;
  content: string;
  parentModule: string;
  parentId: string;
  ownerId: string;
  createdById: string;
  modifiedById: string;
  createdAt: number;
  modifiedAt: number;
}

export interface AttachmentRec {
  id: string;
  parentModule: string;
  parentId: string;
  fileName: string;
  mimeType: string;
  size: number;
  data: Buffer;
  ownerId: string;
  createdById: string;
  createdAt: number;
  modifiedAt: number;
}

export interface OrgRec {
  id: string;
  companyName: string;
  timeZone: string;
  country: string;
  countryCode: string;
  currency: string;
  currencySymbol: string;
  edition: string;
  primaryEmail: string;
  primaryZuid: string;
  createdAt: number;
}

// ---------------------------------------------------------------- seeds (public)

export interface FieldSeed {
  apiName: string;
  label?: string;
  dataType: EmuFieldType;
  length?: number;
  mandatory?: boolean;
  readOnly?: boolean;
  custom?: boolean;
  unique?: boolean;
  /** picklist display values (actual value = display value) */
  picklist?: string[];
  /** Zoho's field encryption (text, textarea, email, phone, website, date, datetime and numbers only). */
  encrypted?: boolean;
}

export interface ModuleSeed {
  apiName: string;
  singularLabel?: string;
  pluralLabel?: string;
  generatedType?: 'default' | 'custom';
  /** Fields besides the system ones (Owner, Created_By, Modified_By, Created_Time, Modified_Time) that every module gets. */
  fields: FieldSeed[];
  duplicateCheck?: string[];
}

export interface UserSeed {
  email: string;
  firstName?: string;
  lastName: string;
  /** Profile name: 'Administrator' makes a CRM admin; anything else (e.g. 'Standard') is not. */
  profile: string;
  role?: string;
  status?: 'active' | 'disabled';
}

export interface OrgSeed {
  /** Numeric string; generated when absent. Also answered as the org's `id` and `zgid`. */
  orgId: string;
  companyName: string;
  /** IANA time zone, e.g. 'Europe/Madrid'. */
  timeZone: string;
  country: string;
  /** ISO 3166 alpha-2, e.g. 'ES'. */
  countryCode: string;
  currency: string;
  edition: string;
  users: UserSeed[];
  /** Replaces the default modules when given (Notes is always added). */
  modules: ModuleSeed[];
}

export interface SeededUser {
  id: string;
  zuid: string;
  email: string;
  fullName: string;
  profile: string;
  isAdmin: boolean;
  status: 'active' | 'disabled' | 'deleted';
}

export interface SeededOrg {
  orgId: string;
  companyName: string;
  timeZone: string;
  countryCode: string;
  /** The first Administrator user. */
  admin: SeededUser;
  /** The first non-admin user (undefined when the seed has none). */
  rep: SeededUser | undefined;
  users: SeededUser[];
  modules: string[];
}
