import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../server/src/config.js';

describe('configuration', () => {
  it('defaults to the sandbox on port 3000 with data/db.json when nothing is set', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.dataFile).toBe('data/db.json');
    expect(c.zoho.mode).toBe('sandbox');
    expect(c.attachmentHosts.length).toBeGreaterThan(0);
    expect(c.timelinesApiUrl).toBeUndefined();
  });

  it('takes a TimelinesAI API base URL (the emulator), refusing one that is not http(s)', () => {
    expect(loadConfig({ TIMELINES_API_URL: 'http://127.0.0.1:4010/integrations/api/' }).timelinesApiUrl).toBe(
      'http://127.0.0.1:4010/integrations/api',
    );
    expect(() => loadConfig({ TIMELINES_API_URL: 'app.timelines.ai' })).toThrow(
      /TIMELINES_API_URL must be an absolute/,
    );
  });

  it('uses live Zoho when client id, secret, secret key and public URL are set', () => {
    const c = loadConfig({
      ZOHO_CLIENT_ID: '1000.ABC',
      ZOHO_CLIENT_SECRET: 's3cret',
      SECRET_KEY: 'x'.repeat(32),
      PUBLIC_URL: 'https://connector.example.com/',
      ATTACHMENT_HOSTS: 'files.example.com, Other.Example.com',
    });
    expect(c.zoho).toEqual({ mode: 'live', clientId: '1000.ABC', clientSecret: 's3cret' });
    expect(c.publicUrl).toBe('https://connector.example.com');
    expect(c.attachmentHosts).toEqual(['files.example.com', 'other.example.com']);
  });

  it('lists every problem at once in one error', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        SECRET_KEY: 'short',
        ZOHO_CLIENT_ID: 'id',
        ZOHO_API_URL: 'ftp://x',
        PUBLIC_URL: 'nope',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/SECRET_KEY must be at least 32/);
    expect(problems).toMatch(/ZOHO_API_URL must be an absolute http\(s\) URL/);
    expect(problems).toMatch(/PUBLIC_URL/);
    expect(problems).toMatch(/ZOHO_CLIENT_SECRET is required/);
    expect((error as ConfigError).problems.length).toBeGreaterThanOrEqual(5);
    expect((error as Error).message).toMatch(/^Invalid configuration \(\d+ problems\):/);
  });

  it('takes a Zoho request timeout (also how long a lost write is given to land), refusing a bad one', () => {
    expect(loadConfig({}).zohoTimeoutMs).toBe(30_000);
    expect(loadConfig({ ZOHO_TIMEOUT_MS: '5000' }).zohoTimeoutMs).toBe(5000);
    for (const bad of ['abc', '500', '2.5', '600000'])
      expect(() => loadConfig({ ZOHO_TIMEOUT_MS: bad })).toThrow(
        /ZOHO_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 120000/,
      );
  });

  it('refuses a flush window that would break the 30-second latency promise', () => {
    expect(() => loadConfig({ FLUSH_WINDOW_MS: '40000' })).toThrow(/FLUSH_WINDOW_MS/);
  });

  it('takes Zoho limits from the org edition unless overridden, and refuses impossible ones', () => {
    expect(loadConfig({})).toMatchObject({ zohoMaxConcurrency: undefined, zohoDailyCredits: undefined });
    expect(loadConfig({ ZOHO_MAX_CONCURRENCY: '5', ZOHO_DAILY_CREDITS: '120000' })).toMatchObject({
      zohoMaxConcurrency: 5,
      zohoDailyCredits: 120_000,
    });
    expect(() => loadConfig({ ZOHO_MAX_CONCURRENCY: '40' })).toThrow(/ZOHO_MAX_CONCURRENCY/);
    expect(() => loadConfig({ ZOHO_DAILY_CREDITS: 'lots' })).toThrow(/ZOHO_DAILY_CREDITS/);
  });
});
