import { createHash, randomFillSync } from "node:crypto";

/**
 * Measures sha256 on one core, in MiB/s: hashes `mebibytes` of random bytes in 1 MiB updates, `rounds`
 * times, and returns the median round. This is the ceiling of any client that checks digests while it
 * streams on one thread, so the report divides stevedore's throughput by it.
 */
export function sha256Speed(mebibytes = 256, rounds = 5): number[] {
  const chunk = randomFillSync(Buffer.allocUnsafe(1024 * 1024));
  const speeds: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const hash = createHash("sha256");
    const started = performance.now();
    for (let i = 0; i < mebibytes; i++) hash.update(chunk);
    hash.digest();
    speeds.push(mebibytes / ((performance.now() - started) / 1000));
  }
  return speeds;
}
