/** Signed tokens (store/crypto.ts): only the exact signature is accepted. */
import { describe, expect, it } from 'vitest';
import { Secrets } from '../../server/src/store/crypto.js';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('Secrets.sign / verify', () => {
  const secrets = new Secrets('crypto-test-secret-key-0123456789abcdef');

  it('accepts its own token and refuses any other last character, even one that decodes to the same bytes', () => {
    for (let i = 0; i < 40; i++) {
      const token = secrets.sign({ n: i, who: 'owner' });
      expect(secrets.verify(token)).toEqual({ n: i, who: 'owner' });
      const last = token.at(-1)!;
      // A 32-byte HMAC is 43 characters: the last one carries 4 bits, and 4 characters decode alike.
      for (const c of B64URL) if (c !== last) expect(secrets.verify(token.slice(0, -1) + c)).toBeUndefined();
    }
  });

  it('refuses a token signed under another key, or without a signature', () => {
    const other = new Secrets('another-secret-key-0123456789abcdefabcd');
    expect(secrets.verify(other.sign({ who: 'owner' }))).toBeUndefined();
    expect(secrets.verify('eyJ3aG8iOiJvd25lciJ9')).toBeUndefined();
  });
});
