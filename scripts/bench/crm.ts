/**
 * The CRM before the workload, as a real org holds it: thousands of Contacts whose numbers people
 * typed every way, the Phone field encrypted (Zoho's field encryption), then the connector configured
 * and activated, and the phone index built. The calls of the build are counted apart.
 */
import { CONTACT_SETTINGS } from '../../test/helpers/harness.js';
import type { GeneratedChat } from '../conversations.js';
import type { Stack } from './stack.js';
import type { CrmTruth } from './verify.js';
import { planRecords, type RecordPlan } from './workload.js';

export interface PreparedCrm {
  plan: RecordPlan;
  truth: CrmTruth;
  /** records in the module when the index was built (seeded, the activation's test record) */
  indexed: number;
  indexSeconds: number;
  /** records holding a number no chat of the workload has: (number, record id) */
  spares: { e164: string; recordId: string }[];
  /** calls of the index build (COQL pages, the count) and the other calls of the activation */
  buildCalls: Record<string, number>;
  activationCalls: Record<string, number>;
}

export interface CrmOptions {
  records: number;
  matchRate: number;
  seed: number;
  encryptPhone: boolean;
  /** numbers no seeded record may hold */
  reserved?: string[];
}

const SETTINGS = CONTACT_SETTINGS;
const BUILD_KINDS = new Set(['coql', 'record_count']);

export async function prepareCrm(stack: Stack, chats: GeneratedChat[], o: CrmOptions): Promise<PreparedCrm> {
  const plan = planRecords(chats, {
    records: o.records,
    matchRate: o.matchRate,
    seed: o.seed,
    orgCountry: 'ES', // the sandbox org is in Spain
    phoneFields: ['Phone', 'Mobile'],
    nameField: SETTINGS.nameField,
    reserved: o.reserved,
  });
  const emu = stack.emulator;
  const ids: string[] = [];
  // In slices: one IPC message each (10,000 rows are a few MB).
  for (let i = 0; i < plan.rows.length; i += 5000)
    ids.push(
      ...(await emu.call({
        cmd: 'seedRecords',
        module: SETTINGS.module,
        rows: plan.rows.slice(i, i + 5000),
        createdAt: Date.now() - 30 * 86_400_000,
      })),
    );
  if (o.encryptPhone) await emu.call({ cmd: 'encryptField', module: SETTINGS.module, field: 'Phone' });
  await stack.configure(SETTINGS);
  await emu.call({ cmd: 'resetStats' });
  const { indexMs, indexed } = await stack.activate();
  const calls = await emu.call({ cmd: 'stats' });
  const buildCalls: Record<string, number> = {};
  const activationCalls: Record<string, number> = {};
  for (const [k, v] of Object.entries(calls))
    if (v > 0 && k !== 'tokenRefreshes') (BUILD_KINDS.has(k) ? buildCalls : activationCalls)[k] = v;
  const dump = await emu.call({ cmd: 'dump', module: SETTINGS.module });
  const matched = new Map<string, string>();
  for (const [chatId, row] of plan.matchedChat) matched.set(chatId, ids[row]!);
  return {
    plan,
    truth: {
      matched,
      preExisting: new Set(dump.records.map((r) => String(r.id))),
      phoneField: SETTINGS.phoneField,
    },
    indexed,
    indexSeconds: indexMs / 1000,
    spares: plan.spares.map((s) => ({ e164: s.e164, recordId: ids[s.row]! })),
    buildCalls,
    activationCalls,
  };
}

/** Calls by kind, without the emulator's own tallies (throttled, injected) and token requests. */
export function apiCalls(stats: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats))
    if (v > 0 && !['throttled', 'injected', 'token', 'tokenRefreshes'].includes(k)) out[k] = v;
  return out;
}

export function total(calls: Record<string, number>): number {
  return Object.values(calls).reduce((a, b) => a + b, 0);
}

export function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}
