/**
 * Test-only: builds zip archives byte by byte, with every header field overridable, so
 * tests can craft hostile archives (lying sizes, bad names, bombs, overlaps) that no
 * well-behaved writer would produce.
 */
import { deflateSync } from "fflate";
import { crc32 } from "./zip-format.ts";

/** One member; every field defaults to what an honest writer would put there. */
export interface RawMember {
  /** Name as text (UTF-8 encoded) or raw bytes. */
  name: string | Uint8Array;
  /** Uncompressed content; default empty. */
  data?: Uint8Array | string;
  /** Method in both headers; default 8. Data is deflated for 8, stored as-is otherwise. */
  method?: number;
  /** Bytes written as the member's data instead of compressing `data`. */
  payload?: Uint8Array;
  /** General-purpose flags in both headers; default 0. */
  flags?: number;
  crc?: number;
  compressedSize?: number;
  uncompressedSize?: number;
  /** Default `0o600 << 16`, like the reference. */
  externalAttr?: number;
  versionMadeBy?: number;
  diskStart?: number;
  /** Overrides of the local header only. */
  localName?: string | Uint8Array;
  localFlags?: number;
  localMethod?: number;
  localCrc?: number;
  localCompressedSize?: number;
  localUncompressedSize?: number;
  localExtra?: Uint8Array;
  /** Writes no local header or data for this member (pair with `localOffset`). */
  skipLocal?: boolean;
  /** Central directory's pointer to the local header; default where it was written. */
  localOffset?: number;
}

/** Overrides of the archive-level fields. */
export interface RawZipOptions {
  /** Bytes placed before the first local header. */
  prefix?: Uint8Array;
  disk?: number;
  cdDisk?: number;
  countOnDisk?: number;
  count?: number;
  cdSize?: number;
  cdOffset?: number;
  comment?: Uint8Array;
  /** Inserts a ZIP64 end-of-central-directory locator right before the end record. */
  zip64Locator?: boolean;
}

const enc = new TextEncoder();
const bytesOf = (v: string | Uint8Array): Uint8Array => (typeof v === "string" ? enc.encode(v) : v);

/** Builds an archive from `members` and `options`; see {@link RawMember} for the defaults. */
export function buildRawZip(members: RawMember[], options: RawZipOptions = {}): Uint8Array {
  const out: number[] = [...(options.prefix ?? [])];
  const central: number[] = [];
  const u16 = (arr: number[], v: number) => arr.push(v & 0xff, (v >>> 8) & 0xff);
  const u32 = (arr: number[], v: number) =>
    arr.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  const put = (arr: number[], b: Uint8Array) => {
    for (const x of b) arr.push(x);
  };

  for (const m of members) {
    const data = bytesOf(m.data ?? "");
    const method = m.method ?? 8;
    const payload = m.payload ?? (method === 8 ? deflateSync(data, { level: 6 }) : data);
    const name = bytesOf(m.name);
    const flags = m.flags ?? 0;
    const crc = m.crc ?? crc32(data);
    const csize = m.compressedSize ?? payload.length;
    const usize = m.uncompressedSize ?? data.length;
    const offset = out.length;
    if (!m.skipLocal) {
      const localName = bytesOf(m.localName ?? name);
      const extra = m.localExtra ?? new Uint8Array(0);
      u32(out, 0x04034b50);
      u16(out, 20);
      u16(out, m.localFlags ?? flags);
      u16(out, m.localMethod ?? method);
      u16(out, 0x5d7b);
      u16(out, 0x7821);
      u32(out, m.localCrc ?? crc);
      u32(out, m.localCompressedSize ?? csize);
      u32(out, m.localUncompressedSize ?? usize);
      u16(out, localName.length);
      u16(out, extra.length);
      put(out, localName);
      put(out, extra);
      put(out, payload);
    }
    u32(central, 0x02014b50);
    u16(central, m.versionMadeBy ?? 0x0314);
    u16(central, 20);
    u16(central, flags);
    u16(central, method);
    u16(central, 0x5d7b);
    u16(central, 0x7821);
    u32(central, crc);
    u32(central, csize);
    u32(central, usize);
    u16(central, name.length);
    u16(central, 0);
    u16(central, 0);
    u16(central, m.diskStart ?? 0);
    u16(central, 0);
    u32(central, m.externalAttr ?? 0o600 << 16);
    u32(central, m.localOffset ?? offset);
    put(central, name);
  }

  const cdOffset = out.length;
  out.push(...central);
  if (options.zip64Locator) {
    u32(out, 0x07064b50);
    u32(out, 0);
    u32(out, 0);
    u32(out, 0);
    u32(out, 1);
  }
  const comment = options.comment ?? new Uint8Array(0);
  u32(out, 0x06054b50);
  u16(out, options.disk ?? 0);
  u16(out, options.cdDisk ?? 0);
  u16(out, options.countOnDisk ?? options.count ?? members.length);
  u16(out, options.count ?? members.length);
  u32(out, options.cdSize ?? central.length);
  u32(out, options.cdOffset ?? cdOffset);
  u16(out, comment.length);
  put(out, comment);
  return Uint8Array.from(out);
}

/**
 * A raw DEFLATE stream (one fixed-Huffman block) that inflates to `size` (≥ 1) zero bytes:
 * a literal 0, then copies of 258 bytes at distance 1 (13 bits each, ~160:1), built
 * without ever holding the `size` bytes. 200 MiB come out at about 1.3 MB.
 */
export function zeroBomb(size: number): Uint8Array {
  const bytes: number[] = [];
  let acc = 0;
  let nbits = 0;
  const bit = (b: number) => {
    acc |= b << nbits;
    if (++nbits === 8) {
      bytes.push(acc);
      acc = 0;
      nbits = 0;
    }
  };
  // Huffman codes go most-significant bit first; header fields least-significant first.
  const code = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--) bit((value >>> i) & 1);
  };
  bit(1);
  bit(1);
  bit(0);
  const literalZero = () => code(0x30, 8);
  literalZero();
  let left = size - 1;
  for (; left >= 258; left -= 258) {
    code(0xc5, 8); // length symbol 285 = 258 bytes
    code(0, 5); // distance symbol 0 = distance 1
  }
  for (; left > 0; left--) literalZero();
  code(0, 7); // end of block
  if (nbits > 0) bytes.push(acc);
  return Uint8Array.from(bytes);
}

/** The header fields of one member as stored, for byte-level comparisons in tests. */
export interface InspectedMember {
  name: string;
  versionMadeBy: number;
  versionNeeded: number;
  flags: number;
  method: number;
  time: number;
  date: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  centralExtraLength: number;
  commentLength: number;
  internalAttr: number;
  externalAttr: number;
  localOffset: number;
  /** The local header's version needed, flags, method, time, date, CRC, sizes, extra length. */
  local: number[];
}

/**
 * Lists the central directory of a well-formed archive without validating anything
 * (no comment, no ZIP64), plus each member's local header fields and the archive comment length.
 */
export function inspectZip(bytes: Uint8Array): { members: InspectedMember[]; commentLength: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = bytes.length - 22;
  const count = view.getUint16(eocd + 10, true);
  let pos = view.getUint32(eocd + 16, true);
  const members: InspectedMember[] = [];
  for (let i = 0; i < count; i++) {
    const nameLength = view.getUint16(pos + 28, true);
    const extra = view.getUint16(pos + 30, true);
    const comment = view.getUint16(pos + 32, true);
    const localOffset = view.getUint32(pos + 42, true);
    const l = localOffset;
    members.push({
      name: new TextDecoder().decode(bytes.subarray(pos + 46, pos + 46 + nameLength)),
      versionMadeBy: view.getUint16(pos + 4, true),
      versionNeeded: view.getUint16(pos + 6, true),
      flags: view.getUint16(pos + 8, true),
      method: view.getUint16(pos + 10, true),
      time: view.getUint16(pos + 12, true),
      date: view.getUint16(pos + 14, true),
      crc: view.getUint32(pos + 16, true),
      compressedSize: view.getUint32(pos + 20, true),
      uncompressedSize: view.getUint32(pos + 24, true),
      centralExtraLength: extra,
      commentLength: comment,
      internalAttr: view.getUint16(pos + 36, true),
      externalAttr: view.getUint32(pos + 38, true),
      localOffset,
      local: [
        view.getUint16(l + 4, true),
        view.getUint16(l + 6, true),
        view.getUint16(l + 8, true),
        view.getUint16(l + 10, true),
        view.getUint16(l + 12, true),
        view.getUint32(l + 14, true),
        view.getUint32(l + 18, true),
        view.getUint32(l + 22, true),
        view.getUint16(l + 28, true),
      ],
    });
    pos += 46 + nameLength + extra + comment;
  }
  return { members, commentLength: view.getUint16(eocd + 20, true) };
}
