/**
 * What the widget's views need from the page that hosts them (Zoho CRM, or the sandbox host page).
 * `zohoHost.ts` implements it on the Zoho embedded-app JS SDK (`window.ZOHO`); tests use a fake.
 * Values are normalised here so that no view ever sees a Zoho-shaped object.
 */

export interface PageContext {
  /** Module API name of the record page (Zoho's `Entity`), or null outside a record page. */
  module: string | null;
  /** The record id (the first one when Zoho passes `EntityId` as an array), or null. */
  recordId: string | null;
}

/** A CRM record as plain data: field API name → JSON value. */
export type CrmRecord = { id: string } & Record<string, unknown>;

export interface CrmNote {
  id: string;
  title: string;
  content: string;
  /** ISO 8601 timestamps as Zoho gives them, or null when missing. */
  createdTime: string | null;
  modifiedTime: string | null;
  /** File names of the Note's attachments (not downloadable from the widget). */
  attachments: string[];
}

export interface CrmUser {
  id: string;
  fullName: string;
  email: string;
}

export interface Host {
  /** Starts the host connection and resolves with the page context (Zoho's PageLoad data). */
  init(): Promise<PageContext>;
  /** The record, or null when it does not exist (or the user may not see it). */
  getRecord(module: string, id: string): Promise<CrmRecord | null>;
  /** The record's Notes (first page, as many as Zoho gives in one call). */
  getNotes(module: string, id: string): Promise<CrmNote[]>;
  /** The signed-in CRM user, or null when the host cannot tell. */
  getCurrentUser(): Promise<CrmUser | null>;
  /** The org's IANA time zone (the one Note times are written in), or null when the host cannot tell. */
  getOrgTimeZone(): Promise<string | null>;
  /** The org's id (Zoho's `org[0].id`), or null when the host cannot tell. */
  getOrgId(): Promise<string | null>;
  /** Asks the host to resize the widget's frame to this content height (px). Never throws. */
  resize(height: number): void;
}

export class HostError extends Error {
  override name = 'HostError';
}
