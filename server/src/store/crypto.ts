/**
 * Secrets at rest and signed tokens. One SECRET_KEY is stretched with HKDF into independent keys
 * for encryption (AES-256-GCM) and signing (HMAC-SHA256), so neither use weakens the other.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

export interface Sealed {
  /** format version, so the scheme can change without losing stored tokens */
  v: 1;
  iv: string;
  tag: string;
  data: string;
}

export class Secrets {
  readonly #encKey: Buffer;
  readonly #macKey: Buffer;

  constructor(secretKey: string) {
    const ikm = Buffer.from(secretKey, 'utf8');
    this.#encKey = Buffer.from(hkdfSync('sha256', ikm, 'wa-zoho-sync', 'token-encryption', 32));
    this.#macKey = Buffer.from(hkdfSync('sha256', ikm, 'wa-zoho-sync', 'signing', 32));
  }

  seal(plain: unknown): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#encKey, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
    return {
      v: 1,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
  }

  /** Throws when the data was tampered with or sealed under another SECRET_KEY. */
  open<T>(sealed: Sealed): T {
    const decipher = createDecipheriv('aes-256-gcm', this.#encKey, Buffer.from(sealed.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as T;
  }

  /** `payload.signature`, both base64url; the payload is JSON. */
  sign(payload: object): string {
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return `${body}.${this.#mac(body)}`;
  }

  /** The payload when the signature is ours, else undefined. */
  verify<T>(token: string): T | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const body = token.slice(0, dot);
    // Compared as text: base64url leaves a few bits of the last character unused, so decoding first
    // would take another spelling of the same signature (a changed last character) as valid.
    const given = Buffer.from(token.slice(dot + 1), 'utf8');
    const expected = Buffer.from(this.#mac(body), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T;
    } catch {
      return undefined;
    }
  }

  /** A keyed hash, for looking up secrets (webhook tokens) without storing them in clear. */
  digest(value: string): string {
    return this.#mac(`digest:${value}`);
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#macKey).update(body).digest('base64url');
  }
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
