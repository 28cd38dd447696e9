import { describe, expect, it } from 'vitest';
import { sliceWhole, truncateText } from '../../server/src/sync/truncate.js';

describe('truncateText', () => {
  it('returns text that fits unchanged', () => {
    expect(truncateText('hello', 5)).toBe('hello');
  });

  it('cuts longer text to the limit, ending with the ellipsis', () => {
    expect(truncateText('hello world', 8)).toBe('hello w…');
    expect(truncateText('hello world', 8)).toHaveLength(8);
  });

  it('drops whitespace before the ellipsis', () => {
    expect(truncateText('hello world', 7)).toBe('hello…');
  });

  it('accepts a custom marker', () => {
    expect(truncateText('abcdefghij', 8, ' [cut]')).toBe('ab [cut]');
  });

  it('never splits an emoji', () => {
    const cut = truncateText('ab😀cd', 4);
    expect(cut).toBe('ab…');
    expect(cut.length).toBeLessThanOrEqual(4);
  });

  it('returns part of the marker when not even the marker fits', () => {
    expect(truncateText('abcdef', 2, '[cut]')).toBe('[c');
  });
});

describe('sliceWhole', () => {
  it('keeps whole characters only', () => {
    expect(sliceWhole('a😀', 2)).toBe('a');
    expect(sliceWhole('a😀', 3)).toBe('a😀');
    expect(sliceWhole('abc', -1)).toBe('');
  });
});
