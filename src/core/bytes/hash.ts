import type { CoreDeps } from "../deps.ts";
import { toArrayBuffer, toHex, utf8 } from "./encoding.ts";

/** Lowercase hex SHA-256 of bytes or of a string's UTF-8 bytes (artifacts.md: "Hash"). */
export async function sha256Hex(deps: Pick<CoreDeps, "crypto">, data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? utf8(data) : data;
  const digest = await deps.crypto.subtle.digest("SHA-256", toArrayBuffer(bytes));
  return toHex(new Uint8Array(digest));
}

/**
 * Normalizes a hash value for comparison as the reference does (artifacts.md §9.1 notes):
 * trimmed, lower-cased, an optional `sha256:` prefix removed.
 */
export function normalizeHash(value: unknown): string {
  if (typeof value !== "string") return "";
  const v = value.trim().toLowerCase();
  return v.startsWith("sha256:") ? v.slice(7) : v;
}
