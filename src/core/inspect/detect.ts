import { findPemBlocks, pemText } from "../x509/pem.ts";
import { readZip } from "../zip/read-zip.ts";
import type { ArtifactKind } from "./types.ts";

const PRIVATE_KEY_LABEL = /PRIVATE KEY$/;
const CSR_LABELS = ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"];

/** True when `bytes` start like a zip archive (local header or empty-archive end record). */
function looksLikeZip(bytes: Uint8Array): boolean {
  return (
    bytes[0] === 0x50 &&
    bytes[1] === 0x4b &&
    (bytes[2] === 3 || bytes[2] === 5) &&
    (bytes[3] === 4 || bytes[3] === 6)
  );
}

/** The labels of the PEM blocks in `bytes`, even when a block's body is damaged. */
function pemLabels(bytes: Uint8Array): string[] {
  try {
    return findPemBlocks(bytes).map((b) => b.label);
  } catch {
    return [...pemText(bytes).matchAll(/-----BEGIN ([^\r\n-]+)-----/g)].map((m) => m[1] as string);
  }
}

/**
 * Which artifact a file is, from its name and bytes: a zip is a signed zip or a request zip by
 * its name (`*.signed.zip` / `*.request.zip`), else by whether it holds `signed.json` or
 * `request.json`; a PEM file by its first block (any private key first, so that a key is never
 * treated as anything that might print it). Undefined when it is none of these.
 */
export function detectFileArtifact(fileName: string, bytes: Uint8Array): ArtifactKind | undefined {
  if (looksLikeZip(bytes)) {
    const lower = fileName.toLowerCase();
    if (lower.endsWith(".signed.zip")) return "signed-zip";
    if (lower.endsWith(".request.zip")) return "request-zip";
    let names: string[];
    try {
      names = readZip(bytes).map((entry) => entry.name);
    } catch {
      // An unsafe zip still gets inspected (and its zip-safety check fails): guess from the raw names.
      return pemText(bytes).includes("signed.json.sig") ? "signed-zip" : "request-zip";
    }
    if (names.includes("signed.json")) return "signed-zip";
    if (names.includes("request.json")) return "request-zip";
    return undefined;
  }
  const labels = pemLabels(bytes);
  if (labels.some((label) => PRIVATE_KEY_LABEL.test(label))) return "private-key";
  const first = labels.find((label) => label === "CERTIFICATE" || CSR_LABELS.includes(label));
  if (first === "CERTIFICATE") return "certificate";
  if (first !== undefined) return "csr";
  return undefined;
}
