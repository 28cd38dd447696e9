/**
 * The state API's bigger actions: merging duplicates and encrypting a field (what a person does in
 * the CRM), and bulk seeding (what a test or a benchmark needs before it starts).
 */
import type { EmulatorStateApi } from './api.js';
import type { EmuCore } from './core.js';
import { assertEncryptable } from './model/encryption.js';
import { mergeRecords } from './records/merge.js';
import { seedMessyPhones, seedRecords } from './seed/bulk.js';
import { describeField, lookups } from './stateApi.js';

export function bulkApi(core: EmuCore) {
  const find = lookups(core);
  return {
    mergeRecords(orgId, module, masterId, otherIds, opts) {
      const org = find.org(orgId);
      const by = { byUserId: find.actor(org, opts?.byUserId).id, at: core.now() };
      mergeRecords(org, find.module(org, module), masterId, otherIds, by, opts?.take);
      core.changed();
    },
    seedRecords(orgId, module, rows, opts) {
      const org = find.org(orgId);
      const byUserId = find.actor(org, opts?.byUserId).id;
      const ids = seedRecords(core.state, org, find.module(org, module), rows, byUserId, opts);
      core.changed();
      return ids;
    },
    seedMessyPhones(orgId, module, spec) {
      const org = find.org(orgId);
      const byUserId = find.actor(org, spec.byUserId).id;
      const seeded = seedMessyPhones(core.state, org, find.module(org, module), spec, byUserId);
      core.changed();
      return seeded;
    },
    encryptField(orgId, module, apiName, on = true) {
      const mod = find.module(find.org(orgId), module);
      const f = mod.field(apiName);
      if (!f) throw new Error(`emulator: no field ${apiName} in ${module}`);
      if (on) assertEncryptable(f, mod.def.apiName);
      if (on) f.encrypted = true;
      else delete f.encrypted;
      f.modifiedAt = core.now();
      mod.def.modifiedAt = f.modifiedAt;
      core.changed();
      return describeField(f);
    },
  } satisfies Partial<EmulatorStateApi>;
}
