/**
 * The standard run: the CRM prepared (pre-existing records, the index built), then the sync of the
 * workload, the steady state, and the intake while syncing, on one stack; with the checks each
 * figure answers to.
 */
import { generateConversation, type ConversationOptions } from '../conversations.js';
import { prepareCrm, total, type PreparedCrm } from './crm.js';
import { intakePhase, type IntakePhase } from './intakePhase.js';
import type { BenchOptions } from './options.js';
import type { Check } from './report.js';
import { benchStack } from './stack.js';
import { steadyPhase, type SteadyPhase } from './steadyPhase.js';
import { syncPhase, type SyncPhase } from './syncPhase.js';
import { unheldNumbers } from './workload.js';

export interface StandardRun {
  crm: Omit<PreparedCrm, 'truth' | 'plan' | 'spares'> & {
    formats: Record<string, number>;
    countries: Record<string, number>;
    matchedFormats: Record<string, number>;
    matchedCountries: Record<string, number>;
  };
  prepared: PreparedCrm;
  sync: SyncPhase;
  steady: SteadyPhase | undefined;
  intake: IntakePhase | undefined;
}

export async function standardRun(o: BenchOptions, pgUrl: string | undefined): Promise<StandardRun> {
  const stack = await benchStack(o, pgUrl);
  try {
    const conv: ConversationOptions = { ...o.conversation, filesBaseUrl: stack.emulator.filesUrl };
    const unheld = unheldNumbers(o.steadyPerKind);
    console.log(`Preparing the CRM: ${o.records.toLocaleString('en-US')} records, the phone index …`);
    const chats = generateConversation(conv).chats;
    const crm = await prepareCrm(stack, chats, {
      records: o.records,
      matchRate: o.matchRate,
      seed: o.conversation.seed ?? 42,
      encryptPhone: o.encryptPhone,
      reserved: unheld,
    });
    // Set-up (seeding, activation, the index build) runs without latency; the workload with it.
    await stack.emulator.call({ cmd: 'controls', latencyMs: o.latencyMs, concurrencyCap: o.cap });
    console.log(`Sync: ${conv.messages} messages, ${conv.chats} chats, ${conv.days} days …`);
    const { phase: sync, expected } = await syncPhase(stack, crm, conv, o.senders);
    let steady: SteadyPhase | undefined;
    const truth = { ...crm.truth, matched: new Map(crm.truth.matched) };
    const all = [...expected];
    if (o.steady) {
      console.log('Steady state …');
      const synced = new Set(expected.filter((e) => !e.isGroup).map((e) => e.chatId));
      const known = chats
        .filter((c) => synced.has(c.chatId) && c.names.length === 1 && c.names[0]) // never renamed
        .map((c) => ({ chatId: c.chatId, phone: c.phone, name: c.names[0]! }));
      const r = await steadyPhase(stack, {
        knownChats: known,
        spares: crm.spares,
        unheld,
        perKind: o.steadyPerKind,
      });
      steady = r.phase;
      all.push(...r.expected);
      for (const [c, id] of r.matched) truth.matched.set(c, id);
    }
    let intake: IntakePhase | undefined;
    if (o.intake) {
      console.log(`Intake: ${o.connections} connections for ${o.intakeSeconds} s …`);
      intake = await intakePhase(stack, {
        // New messages in the same chats (the same seed, other ids), as many as the load may send.
        conversation: { ...conv, messages: Math.max(10_000, o.intakeSeconds * 5000) },
        connections: o.connections,
        seconds: o.intakeSeconds,
        earlier: { expected: all, truth },
      });
    }
    if (o.profile) await stack.stopConnector(); // --cpu-prof writes its profile on exit
    const { truth: _t, plan, spares: _s, ...rest } = crm;
    return {
      crm: {
        ...rest,
        formats: plan.formats,
        countries: plan.countries,
        matchedFormats: plan.matchedFormats,
        matchedCountries: plan.matchedCountries,
      },
      prepared: crm,
      sync,
      steady,
      intake,
    };
  } finally {
    await stack.close();
  }
}

export function standardChecks(r: StandardRun, o: BenchOptions): Check[] {
  const c: Check[] = [];
  const add = (name: string, ok: boolean, detail: string, kind: Check['kind'] = 'correctness') =>
    c.push({ name, ok, detail, kind });
  const p = r.prepared.plan;
  const formats = Object.keys(p.matchedFormats).length;
  const countries = Object.keys(p.matchedCountries).length;
  add(
    'pre-existing records',
    r.crm.indexed >= Math.min(10_000, o.records) && formats >= 12 && countries >= 6,
    `${r.crm.indexed} records; the matched ones spelt in ${formats} formats over ${countries} countries (wanted ≥ 10,000, ≥ 12, ≥ 6)`,
  );
  const buildBound = Math.ceil(r.crm.indexed / 2000) + 2;
  add(
    'index build calls',
    total(r.crm.buildCalls) <= buildBound,
    `${total(r.crm.buildCalls)} ≤ ${buildBound}`,
  );
  const v = r.sync.verification;
  add('CRM matches the workload', v.ok, v.ok ? 'verified' : v.examples.join('; '));
  add('duplicate records created', v.duplicateRecords === 0, `${v.duplicateRecords} (must be 0)`);
  add(
    'calls ≤ 1.3× the lower bound',
    r.sync.ratioToLowerBound <= 1.3,
    `${r.sync.ratioToLowerBound.toFixed(3)}`,
  );
  add(
    '≥ 10× under the per-message baseline',
    r.sync.baselineOverCalls >= 10,
    `${r.sync.baselineOverCalls.toFixed(1)}×`,
  );
  if (r.steady)
    add(
      'extra calls per steady-state run ≤ 1',
      r.steady.maxExtraPerRun <= 1,
      `at most ${r.steady.maxExtraPerRun}`,
    );
  if (r.intake) {
    const i = r.intake;
    add(
      'every acknowledged message durable',
      i.durableMissing === 0,
      `${i.durableMissing} missing of ${i.durableChecked}`,
    );
    add(
      'CRM matches after the intake',
      i.verification?.ok ?? false,
      i.verification?.ok ? 'verified' : (i.verification?.examples.join('; ') ?? ''),
    );
    add(
      'intake ≥ 1,500 webhooks/s while syncing',
      i.result.requestsPerSec >= 1500,
      `${Math.round(i.result.requestsPerSec)}/s, p99 ${i.result.latencyMs.p99} ms`,
      'goal',
    );
  }
  return c;
}
