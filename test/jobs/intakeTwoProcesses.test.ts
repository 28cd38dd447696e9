/**
 * The workspace a delivery reuses (jobs/intake.ts) with two processes on one database: process B
 * remembers the workspace from its last delivery while process A rotates the webhook token or
 * deactivates the integration. B's next delivery must see it at once: its write is guarded in the
 * intake's SQL statement, not by anything B holds in memory.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Intake } from '../../server/src/jobs/intake.js';
import type { Store } from '../../server/src/store/store.js';
import { message } from '../helpers/messages.js';
import { describeWithPostgres } from '../helpers/postgres.js';
import { postgresEngine, testSecrets, workspace, type EngineUnderTest } from '../helpers/storeFixtures.js';

describeWithPostgres('intake: the reused workspace across two processes', () => {
  const token = 'tok_' + 'a'.repeat(28);
  const ws = workspace({ webhookTokenDigest: testSecrets.digest(token) });
  let engine: EngineUnderTest;
  let a: Store; // where the admin acts
  let b: Store; // where the deliveries arrive
  let intake: Intake;
  let reads: number;

  beforeEach(async () => {
    engine = await postgresEngine();
    a = await engine.open();
    b = await engine.open();
    const uow = a.begin();
    uow.workspaces.create(ws);
    await uow.commit();
    const read = b.workspaces.byWebhookDigest.bind(b.workspaces);
    reads = 0;
    b.workspaces.byWebhookDigest = (digest) => {
      reads += 1;
      return read(digest);
    };
    intake = new Intake(b, testSecrets, { onQueued: () => undefined }, () => 0); // time stands still
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await engine.cleanup();
  });

  const deliver = (uid: string, t = token) => intake.receive(t, message({ uid }));

  it('refuses the old token at once after the other process rotated it', async () => {
    expect(await deliver('m1')).toMatchObject({ status: 200, outcome: 'queued' });
    expect(await deliver('m2')).toMatchObject({ status: 200, outcome: 'queued' });
    expect(reads).toBe(1); // remembered
    const rotated = 'tok_' + 'b'.repeat(28);
    const uow = a.begin();
    uow.workspaces.patch(ws.id, { webhookTokenDigest: testSecrets.digest(rotated) });
    await uow.commit();
    expect(await deliver('m3')).toMatchObject({ status: 404, code: 'UNKNOWN_WEBHOOK' });
    expect(await deliver('m3', rotated)).toMatchObject({ status: 200, outcome: 'queued' });
  });

  it('skips the next message once the other process deactivated the integration', async () => {
    expect(await deliver('m1')).toMatchObject({ status: 200, outcome: 'queued' });
    const uow = a.begin();
    uow.workspaces.patch(ws.id, { active: false });
    await uow.commit();
    expect(await deliver('m2')).toMatchObject({ status: 200, outcome: 'skipped' });
    expect((await a.workspaces.get(ws.id))?.skippedWhileInactive).toBe(1);
    expect((await a.queue.claim(ws.id, Date.now(), 10)).map((q) => q.key)).toEqual([`${ws.id}:m1`]);
  });
});
