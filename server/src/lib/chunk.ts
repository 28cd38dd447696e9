/** `items` cut into consecutive slices of at most `size` (Zoho takes 100 rows a call, COQL 2,000). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
