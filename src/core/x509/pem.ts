import { fromBase64, toBase64 } from "../bytes/encoding.ts";

/** One `-----BEGIN <label>-----` … `-----END <label>-----` block. */
export interface PemBlock {
  /** The label between `BEGIN ` and the dashes, e.g. `RSA PRIVATE KEY`. */
  label: string;
  /** RFC 1421 headers before the base64 body (`Proc-Type`, `DEK-Info`), keyed as written. */
  headers: Record<string, string>;
  /** The decoded body. */
  der: Uint8Array;
}

/** Thrown for text that is not the PEM the caller asked for; the message says why. */
export class PemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PemError";
  }
}

const BLOCK = /-----BEGIN ([^\r\n-]+)-----([\s\S]*?)-----END ([^\r\n-]+)-----/g;

/**
 * PEM text of `der` under `label`: base64 in 64-character lines, LF line ends and a final
 * newline — the layout OpenSSL and pyca/cryptography write (certificates.md §1).
 */
export function encodePem(label: string, der: Uint8Array): string {
  const body = toBase64(der).replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** PEM input as text; bytes are read as UTF-8 (anything outside the blocks may be junk). */
export function pemText(input: string | Uint8Array): string {
  return typeof input === "string" ? input : new TextDecoder("utf-8").decode(input);
}

/**
 * Every PEM block in `input`, in order. Text around the blocks is ignored, as OpenSSL
 * does; CRLF line ends are accepted. Throws {@link PemError} when a block's END label
 * differs from its BEGIN label or its body is not base64.
 */
export function findPemBlocks(input: string | Uint8Array): PemBlock[] {
  const text = pemText(input);
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const [, label = "", body = "", endLabel = ""] = match;
    if (label !== endLabel) throw new PemError(`PEM block "BEGIN ${label}" ends with "END ${endLabel}"`);
    const headers: Record<string, string> = {};
    const lines = body.split(/\r?\n/);
    const data: string[] = [];
    for (const line of lines) {
      if (line.trim() === "") continue;
      // RFC 1421 headers come before the base64 and are the only lines holding a colon.
      const colon = line.indexOf(":");
      if (colon > 0 && data.length === 0) {
        headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
      } else {
        data.push(line);
      }
    }
    let der: Uint8Array;
    try {
      der = fromBase64(data.join(""));
    } catch {
      throw new PemError(`PEM block "${label}" does not contain valid base64`);
    }
    if (der.length === 0) throw new PemError(`PEM block "${label}" is empty`);
    blocks.push({ label, headers, der });
  }
  return blocks;
}

/**
 * What is left of `input` once every complete PEM block is cut out: the text a lenient reader
 * skips (comments, `Bag Attributes`, a truncated or differently spelled block that another
 * parser might still read).
 */
export function textOutsidePemBlocks(input: string | Uint8Array): string {
  return pemText(input).replace(BLOCK, "");
}

/**
 * The first PEM block of `input` whose label is `label` (or one of `label`), decoded.
 * Throws {@link PemError} if there is no such block; the message names the labels found.
 */
export function decodePem(input: string | Uint8Array, label: string | readonly string[]): Uint8Array {
  return findPemBlock(input, label).der;
}

/** Like {@link decodePem} but returns the whole block, headers included. */
export function findPemBlock(input: string | Uint8Array, label: string | readonly string[]): PemBlock {
  const wanted = typeof label === "string" ? [label] : label;
  const blocks = findPemBlocks(input);
  const block = blocks.find((b) => wanted.includes(b.label));
  if (block) return block;
  const expected = wanted.map((l) => `"${l}"`).join(" or ");
  if (blocks.length === 0) throw new PemError(`no PEM data found (expected ${expected})`);
  const found = blocks.map((b) => `"${b.label}"`).join(", ");
  throw new PemError(`no PEM ${expected} block found (found ${found})`);
}
