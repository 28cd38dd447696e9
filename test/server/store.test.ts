import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Secrets } from '../../server/src/store/crypto.js';
import { Store } from '../../server/src/store/store.js';

const tmp = () => path.join(mkdtempSync(path.join(tmpdir(), 'wa-zoho-store-')), 'db.json');

describe('store', () => {
  it('shares one file write among concurrent commits (group commit)', async () => {
    const file = tmp();
    const store = await Store.open(file);
    const before = store.writes;
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        store.data.seen[`k${i}`] = i;
        return store.commit();
      }),
    );
    expect(store.writes - before).toBeLessThanOrEqual(2);
    const onDisk = await Store.read(file); // what a restart would find
    expect(Object.keys(onDisk.seen)).toHaveLength(50);
  });

  it('has every change made before commit() on disk when commit() resolves', async () => {
    const file = tmp();
    const store = await Store.open(file);
    store.data.seen.a = 1;
    const first = store.commit();
    store.data.seen.b = 2; // arrives while the first write may be in flight
    const second = store.commit();
    await second;
    const onDisk = await Store.read(file);
    expect(onDisk.seen).toEqual({ a: 1, b: 2 });
    await first;
  });

  it('reopens what was committed', async () => {
    const file = tmp();
    const a = await Store.open(file);
    a.data.seen.x = 42;
    await a.commit();
    const b = await Store.open(file);
    expect(b.data.seen.x).toBe(42);
  });
});

describe('secrets', () => {
  const secrets = new Secrets('k'.repeat(40));

  it('seals so that the plain text does not appear and opens it back', () => {
    const sealed = secrets.seal({ refreshToken: '1000.refresh.abcdef' });
    expect(JSON.stringify(sealed)).not.toContain('1000.refresh.abcdef');
    expect(secrets.open(sealed)).toEqual({ refreshToken: '1000.refresh.abcdef' });
  });

  it('refuses to open data sealed under another key', () => {
    const sealed = new Secrets('z'.repeat(40)).seal('x');
    expect(() => secrets.open(sealed)).toThrow();
  });

  it('verifies its own signatures and rejects tampered tokens', () => {
    const token = secrets.sign({ wid: 'w1', role: 'owner' });
    expect(secrets.verify(token)).toEqual({ wid: 'w1', role: 'owner' });
    const [body, sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ wid: 'w1', role: 'owner', x: 1 })).toString('base64url');
    expect(secrets.verify(`${forged}.${sig}`)).toBeUndefined();
    expect(secrets.verify(`${body}.AAAA`)).toBeUndefined();
    expect(secrets.verify('garbage')).toBeUndefined();
  });
});
