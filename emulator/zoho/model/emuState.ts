/**
 * In-memory state of the emulator: orgs (users, modules, records, notes, attachments), OAuth
 * clients and tokens, and the id sequences. Indexed for the access patterns of a sync engine (by id,
 * by parent, by field value); `model/snapshot.ts` turns it into plain JSON and back.
 */
import type { FieldDef, FieldSeed, OrgSeed, SeededOrg } from './types.js';
import type { OrgState } from './orgState.js';
import { buildField, buildOrg, type Mint } from './build.js';
import { describeOrg } from './describe.js';

export interface ClientRec {
  clientId: string;
  clientSecret: string;
  redirectUris: string[] | undefined;
}

export interface AccessTokenRec {
  token: string;
  orgId: string;
  userId: string;
  clientId: string | undefined;
  scopes: string[];
  expiresAt: number;
  refreshToken: string | undefined;
  revoked: boolean;
}

export interface RefreshTokenRec {
  token: string;
  orgId: string;
  userId: string;
  clientId: string | undefined;
  scopes: string[];
  createdAt: number;
  revoked: boolean;
  /** times of recent access-token grants (Zoho: at most 10 per 10 minutes per refresh token) */
  grants: number[];
}

export interface CodeRec {
  code: string;
  clientId: string;
  redirectUri: string;
  orgId: string;
  userId: string;
  scopes: string[];
  offline: boolean;
  expiresAt: number;
  used: boolean;
}

export const ALL_SCOPES = [
  'ZohoCRM.modules.ALL',
  'ZohoCRM.settings.ALL',
  'ZohoCRM.users.ALL',
  'ZohoCRM.org.ALL',
  'ZohoCRM.coql.READ',
];

/** The id sequences, saved with the snapshot so that ids stay unique across restarts. */
export interface Sequences {
  seq: number;
  orgSeq: number;
  userSeq: number;
}

export class EmuState implements Mint {
  readonly orgs = new Map<string, OrgState>();
  readonly clients = new Map<string, ClientRec>();
  readonly codes = new Map<string, CodeRec>();
  readonly accessTokens = new Map<string, AccessTokenRec>();
  readonly refreshTokens = new Map<string, RefreshTokenRec>();
  #seq: Sequences = { seq: 1000, orgSeq: 0, userSeq: 0 };
  tokenRefreshes = 0;

  constructor(readonly now: () => number) {}

  get sequences(): Sequences {
    return { ...this.#seq };
  }

  set sequences(s: Sequences) {
    this.#seq = { ...s };
  }

  /** Zoho-looking 19-digit numeric id, unique across the emulator (so ids sort as numbers do). */
  nextId(): string {
    this.#seq.seq += 1;
    return `5725767${String(this.#seq.seq).padStart(12, '0')}`;
  }

  nextZuid(): string {
    this.#seq.userSeq += 1;
    return String(600000000 + this.#seq.userSeq);
  }

  randomToken(): string {
    const hex = (n: number) => {
      let s = '';
      for (let i = 0; i < n; i++) s += Math.floor(Math.random() * 16).toString(16);
      return s;
    };
    return `1000.${hex(32)}.${hex(32)}`;
  }

  orgOrThrow(orgId: string): OrgState {
    const o = this.orgs.get(orgId);
    if (!o) throw new Error(`emulator: unknown org ${orgId}`);
    return o;
  }

  buildField(seed: FieldSeed, custom: boolean): FieldDef {
    return buildField(this, seed, custom);
  }

  seedOrg(spec: Partial<OrgSeed> = {}): SeededOrg {
    let orgId = spec.orgId;
    if (orgId === undefined) {
      do {
        this.#seq.orgSeq += 1;
        orgId = String(700000000 + this.#seq.orgSeq);
      } while (this.orgs.has(orgId));
    }
    if (!/^\d+$/.test(orgId)) throw new Error('emulator: orgId must be a numeric string');
    if (this.orgs.has(orgId)) throw new Error(`emulator: org ${orgId} already exists`);
    const org = buildOrg(this, orgId, spec);
    this.orgs.set(orgId, org);
    return describeOrg(org);
  }
}
