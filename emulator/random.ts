/**
 * The seeded random numbers of the emulators' seeds, the benchmark's workload and the chaos run: the
 * same seed gives the same CRM, the same conversations and the same faults on every machine.
 */
/** A deterministic uniform [0, 1) generator (mulberry32: small, good enough, a 32-bit seed). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
