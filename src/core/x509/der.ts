/**
 * A minimal DER reader that returns byte ranges rather than values. The typed parsers of
 * `@peculiar/asn1-x509` re-encode what they parse, so whenever exact bytes matter (the
 * TBS a signature covers, an issuer Name copied into a leaf, an SPKI that is hashed) we
 * slice them out of the input with this reader instead.
 */

/** One tag-length-value element located inside a byte array. */
export interface Tlv {
  /** The identifier octet (single-byte tags only; X.509 needs no others). */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the last content byte. */
  end: number;
}

/** Thrown on malformed DER; callers wrap it in their own parse error. */
export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DerError";
  }
}

/** Reads the element starting at `offset`, which must end at or before `limit`. */
export function readTlv(bytes: Uint8Array, offset = 0, limit = bytes.length): Tlv {
  if (offset + 2 > limit) throw new DerError("truncated DER element");
  const tag = bytes[offset]!;
  // Multi-byte tags (low five bits all set) never occur in the structures we read.
  if ((tag & 0x1f) === 0x1f) throw new DerError("unsupported multi-byte DER tag");
  const first = bytes[offset + 1]!;
  let length: number;
  let contentStart: number;
  if (first < 0x80) {
    length = first;
    contentStart = offset + 2;
  } else {
    const count = first & 0x7f;
    // 0x80 is BER's indefinite length, not allowed in DER; four length bytes cover 4 GiB.
    if (count === 0 || count > 4) throw new DerError("unsupported DER length encoding");
    if (offset + 2 + count > limit) throw new DerError("truncated DER length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[offset + 2 + i]!;
    contentStart = offset + 2 + count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError("DER element runs past its container");
  return { tag, start: offset, contentStart, end };
}

/** The element's complete encoding (identifier, length and content). */
export function tlvBytes(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}

/** The element's content bytes. */
export function tlvContent(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.contentStart, tlv.end);
}

/** The direct children of a constructed element, in order. */
export function tlvChildren(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let offset = parent.contentStart;
  while (offset < parent.end) {
    const child = readTlv(bytes, offset, parent.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

/** Reads a whole buffer as exactly one element; trailing bytes are an error. */
export function readSingleTlv(bytes: Uint8Array): Tlv {
  const tlv = readTlv(bytes, 0, bytes.length);
  if (tlv.end !== bytes.length) throw new DerError("trailing bytes after DER element");
  return tlv;
}

/**
 * The children of a SEQUENCE (tag 0x30) that spans all of `bytes`, checking that there are
 * at least `min` of them.
 */
export function sequenceChildren(bytes: Uint8Array, min: number, what: string): Tlv[] {
  const outer = readSingleTlv(bytes);
  if (outer.tag !== 0x30) throw new DerError(`${what} is not a DER SEQUENCE`);
  const children = tlvChildren(bytes, outer);
  if (children.length < min) throw new DerError(`${what} has too few elements`);
  return children;
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Encodes one element: `tag`, the DER definite length, then the concatenated content. */
export function derTlv(tag: number, ...content: readonly Uint8Array[]): Uint8Array {
  const body = concatBytes(...content);
  const n = body.length;
  let header: number[];
  if (n < 0x80) header = [tag, n];
  else if (n < 0x100) header = [tag, 0x81, n];
  else if (n < 0x10000) header = [tag, 0x82, n >> 8, n & 0xff];
  else header = [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return concatBytes(Uint8Array.from(header), body);
}

/** A SEQUENCE of already-encoded elements. */
export function derSequence(...elements: readonly Uint8Array[]): Uint8Array {
  return derTlv(0x30, ...elements);
}
