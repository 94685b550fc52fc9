import type { CoreDeps } from "../../src/core/deps.ts";

/** Shortly after the reference fixtures were made (their last certificate dates from 15:36:34); all of them are valid then. */
export const FIXTURE_TIME = new Date("2026-11-27T16:00:00Z");

/**
 * Deterministic deps: a fixed clock and a counter-based byte stream (so serials and request
 * ids repeat run to run). Key generation still uses WebCrypto's own randomness.
 */
export function fixedDeps(now: Date = FIXTURE_TIME): CoreDeps {
  let counter = 0;
  return {
    crypto: globalThis.crypto,
    now: () => now,
    randomBytes: (n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = (counter++ * 37 + 11) & 0xff;
      return out;
    },
  };
}
