/**
 * The host's WebCrypto, named through the global `crypto` rather than the DOM library's
 * `Crypto`: the published declarations then compile in a browser project (DOM library) and in
 * a Node project that has only @types/node, whose `webcrypto.Crypto` the global then is.
 */
export type WebCrypto = typeof globalThis.crypto;

/** A key of the host's WebCrypto (the DOM library's `CryptoKey`; `webcrypto.CryptoKey` in Node). */
export type WebCryptoKey = Awaited<ReturnType<WebCrypto["subtle"]["importKey"]>>;

/**
 * What the core needs from its host, passed in rather than reached for, so that the
 * same code runs in Node and in a browser and tests can fix the clock and randomness.
 */
export interface CoreDeps {
  /** A WebCrypto implementation (`globalThis.crypto` in Node >= 20 and browsers). */
  crypto: WebCrypto;
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
