/**
 * Request codes as text (docs/security.md "Request codes"): the base32 alphabet and how a code
 * typed or read aloud is compared. No dependencies, so the CLI's argument parser can use it
 * without loading the crypto and zip code.
 */

/** Crockford's base32 alphabet: no I, L, O, U, so nothing read aloud is ambiguous. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Bits of SHA-256 kept: 80 = 16 base32 characters; a forgery needs a 2^80 second preimage. */
export const REQUEST_CODE_BITS = 80;

/** Crockford base32 of `bytes` (most significant bit first, no padding; 10 bytes -> 16 chars). */
export function base32Crockford(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * A code as typed or read aloud, reduced to its 16 characters: case, spaces and dashes are
 * ignored, and the letters Crockford reads as digits (O -> 0, I and L -> 1) are mapped.
 * Returns undefined for anything that is not 16 base32 characters.
 */
export function normalizeRequestCode(text: string): string | undefined {
  const clean = text
    .toUpperCase()
    .replace(/[\s-]+/g, "")
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1");
  if (clean.length !== REQUEST_CODE_BITS / 5) return undefined;
  for (const char of clean) if (!ALPHABET.includes(char)) return undefined;
  return clean.match(/.{4}/g)!.join("-");
}

/** True when two codes are the same once normalized (see {@link normalizeRequestCode}). */
export function sameRequestCode(a: string, b: string): boolean {
  const left = normalizeRequestCode(a);
  return left !== undefined && left === normalizeRequestCode(b);
}
