import { sha256Hex } from "../bytes/hash.ts";
import type { CoreDeps } from "../deps.ts";

/**
 * The canonical root-CA fingerprint of a DER certificate: `SHA256:` + 32 upper-case hex
 * pairs joined by `:` (certificates.md §7), the digits `openssl x509 -fingerprint -sha256` prints.
 */
export async function fingerprintSha256(der: Uint8Array, deps: Pick<CoreDeps, "crypto">): Promise<string> {
  return formatFingerprint(await sha256Hex(deps, der));
}

/**
 * Normalizes a fingerprint given in any accepted spelling (certificates.md §7) to the
 * canonical form, or returns undefined if it is not one. Case-insensitive; surrounding
 * whitespace ignored. Accepted: `sha256 Fingerprint=AA:…` (openssl), `SHA256:AA:…`,
 * `SHA256=AA:…`, `AA:BB:…` (exactly 32 pairs), 64 plain hex digits; the hex part may follow
 * either prefix in either form.
 */
export function normalizeFingerprint(input: unknown): string | undefined {
  if (typeof input !== "string") return undefined;
  // The two optional prefixes are stripped one after the other, as the reference does.
  const text = input
    .trim()
    .replace(/^sha256\s+fingerprint\s*=\s*/i, "")
    .replace(/^sha256\s*[:=]\s*/i, "");
  let hex: string;
  if (text.includes(":")) {
    if (!/^[0-9a-f]{2}(?::[0-9a-f]{2}){31}$/i.test(text)) return undefined;
    hex = text.replaceAll(":", "");
  } else {
    hex = text;
  }
  if (!/^[0-9a-f]{64}$/i.test(hex)) return undefined;
  return formatFingerprint(hex);
}

/** Lowercase hex SHA-256 of DER SubjectPublicKeyInfo bytes: `public_key_sha256` (certificates.md §6). */
export async function spkiSha256(spkiDer: Uint8Array, deps: Pick<CoreDeps, "crypto">): Promise<string> {
  return sha256Hex(deps, spkiDer);
}

function formatFingerprint(hex: string): string {
  return `SHA256:${hex.toUpperCase().match(/../g)!.join(":")}`;
}
