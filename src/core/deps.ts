/**
 * What the core needs from its host, passed in rather than reached for, so that the
 * same code runs in Node and in a browser and tests can fix the clock and randomness.
 */
export interface CoreDeps {
  /** A WebCrypto implementation (`globalThis.crypto` in Node >= 20 and browsers). */
  crypto: Crypto;
  /** The current time; certificates, timestamps and expiry checks read it. */
  now: () => Date;
  /** `n` random bytes, for serials and request ids. */
  randomBytes: (n: number) => Uint8Array;
}

/** Deps backed by the platform: global WebCrypto, the system clock. */
export function platformDeps(): CoreDeps {
  const crypto = globalThis.crypto;
  return {
    crypto,
    now: () => new Date(),
    randomBytes: (n) => crypto.getRandomValues(new Uint8Array(n)),
  };
}
