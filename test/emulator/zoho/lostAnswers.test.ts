/**
 * A call whose client goes away while Zoho holds it is still carried out, as on Zoho: the request
 * arrived, only its answer is lost. The connector's crash safety is tested against this
 * (test/jobs/crash.test.ts); here, the emulator's side, for a JSON write and a multipart upload.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, dataOf, startHttpEnv, type HttpEnv } from './httpHarness.js';

describe('writes whose client went away', () => {
  let env: HttpEnv;
  beforeEach(async () => {
    env = await startHttpEnv();
  });
  afterEach(async () => {
    await env.close();
  });

  const held = () => env.emu.stats.calls(env.org.orgId).held ?? 0;

  /** Sends a request, aborts it once the emulator holds it, and waits for the hold to end. */
  async function abandoned(path: string, init: RequestInit): Promise<void> {
    const before = held();
    const abort = new AbortController();
    const sent = fetch(`${env.url}/crm/v8/${path}`, {
      ...init,
      headers: { Authorization: `Zoho-oauthtoken ${env.token}`, ...(init.headers ?? {}) },
      signal: abort.signal,
    }).catch((e: unknown) => e);
    for (let i = 0; i < 200 && held() === before; i++) await new Promise((r) => setTimeout(r, 5));
    expect(held()).toBe(before + 1);
    abort.abort();
    expect(await sent).toBeInstanceOf(Error); // the client saw no answer
    await new Promise((r) => setTimeout(r, 400)); // the 250 ms hold has ended
  }

  async function contact(): Promise<string> {
    const created = await call(env, 'POST', 'Contacts', { body: { data: [{ Last_Name: 'Held' }] } });
    return (dataOf(created)[0]!.details as { id: string }).id;
  }

  it('creates the Note of a request whose client went away during the hold', async () => {
    const id = await contact();
    env.emu.controls.holdNext(1, 250, { pathIncludes: '/Notes', method: 'POST' });
    await abandoned('Notes', {
      method: 'POST',
      body: JSON.stringify({
        data: [
          { Note_Title: 'Kept', Note_Content: 'lands', Parent_Id: { module: { api_name: 'Contacts' }, id } },
        ],
      }),
    });
    const notes = env.emu.state.notes(env.org.orgId, id) as { Note_Title: string }[];
    expect(notes.map((n) => n.Note_Title)).toEqual(['Kept']);
  });

  it('stores the attachment of an upload whose client went away during the hold', async () => {
    const id = await contact();
    env.emu.controls.holdNext(1, 250, { pathIncludes: '/Attachments', method: 'POST' });
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('file body')], { type: 'application/pdf' }), 'offer.pdf');
    await abandoned(`Contacts/${id}/Attachments`, { method: 'POST', body: form });
    const list = await call(env, 'GET', `Contacts/${id}/Attachments?fields=File_Name`);
    expect(dataOf(list).map((a) => a.File_Name)).toEqual(['offer.pdf']);
  });
});
