/** Plain-HTTP access to the emulator for tests: one emulator, its URL, and a JSON call helper. */
import { createZohoEmulator, type SeededOrg, type ZohoEmulator } from '../../../emulator/zoho/index.js';

export interface HttpEnv {
  emu: ZohoEmulator;
  url: string;
  org: SeededOrg;
  token: string;
  close(): Promise<void>;
}

/** An emulator on a settable clock (`clock.ms`), listening, with one org and an admin token. */
export async function startHttpEnv(timeZone = 'Europe/Madrid'): Promise<HttpEnv & { clock: { ms: number } }> {
  const clock = { ms: Date.UTC(2026, 2, 2, 10, 0, 0) };
  const emu = createZohoEmulator({ now: () => clock.ms });
  const org = emu.seedOrg({ timeZone });
  const { url, close } = await emu.listen(0);
  const token = emu.issueToken({ orgId: org.orgId, userId: org.admin.id, expiresInSec: 10 ** 8 }).accessToken;
  return { emu, url, org, token, close, clock };
}

export interface Answer {
  status: number;
  json: Record<string, unknown> | undefined;
  text: string;
}

export async function call(
  env: Pick<HttpEnv, 'url' | 'token'>,
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string>; token?: string } = {},
): Promise<Answer> {
  const res = await fetch(`${env.url}/crm/v8/${path}`, {
    method,
    headers: { Authorization: `Zoho-oauthtoken ${opts.token ?? env.token}`, ...(opts.headers ?? {}) },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

export type Row = Record<string, unknown>;

/** The `data` rows of an answer. */
export function dataOf(a: Answer): Row[] {
  return (a.json?.data ?? []) as Row[];
}

export function coql(env: Pick<HttpEnv, 'url' | 'token'>, query: string): Promise<Answer> {
  return call(env, 'POST', 'coql', { body: { select_query: query } });
}
