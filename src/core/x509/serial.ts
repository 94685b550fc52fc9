import { toHex } from "../bytes/encoding.ts";
import type { CoreDeps } from "../deps.ts";

/**
 * A fresh certificate serial: 20 random bytes shifted right by one bit, i.e. a random
 * non-negative integer below 2^159 (certificates.md §3), as 20 big-endian bytes (leading
 * zero bytes possible).
 */
export function randomSerial(deps: Pick<CoreDeps, "randomBytes">): Uint8Array {
  const random = deps.randomBytes(20);
  const out = new Uint8Array(20);
  let carry = 0;
  for (let i = 0; i < 20; i++) {
    const b = random[i]!;
    out[i] = (b >> 1) | carry;
    carry = (b & 1) << 7;
  }
  return out;
}

/**
 * `"0x"` + lowercase hex of a big-endian unsigned serial without leading zeros (`"0x0"`
 * for zero), like Python's `hex()` — the `certificate.serial` of signed.json (artifacts.md §9.1).
 */
export function serialToHex(bytes: Uint8Array): string {
  const hex = toHex(bytes).replace(/^0+/, "");
  return `0x${hex || "0"}`;
}

/**
 * The content octets of the DER INTEGER for a big-endian unsigned value: leading zeros
 * dropped, one `00` put back when the top bit is set so the number stays positive.
 */
export function unsignedIntegerContent(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  if (trimmed.length === 0) return Uint8Array.of(0);
  if (trimmed[0]! & 0x80) {
    const out = new Uint8Array(trimmed.length + 1);
    out.set(trimmed, 1);
    return out;
  }
  return trimmed.slice();
}
