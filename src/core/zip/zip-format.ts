/**
 * Shared pieces of the zip reader and writer: record signatures, the violation error,
 * member-name rules (validation.md §3), the private-key marker scan, CRC-32, DOS
 * timestamps and a DEFLATE inflater with a hard output cap.
 */
import { Inflate } from "fflate";

/** Local file header signature `PK\x03\x04`. */
export const LOCAL_HEADER_SIG = 0x04034b50;
/** Central directory file header signature `PK\x01\x02`. */
export const CENTRAL_HEADER_SIG = 0x02014b50;
/** End of central directory record signature `PK\x05\x06`. */
export const EOCD_SIG = 0x06054b50;
/** ZIP64 end of central directory locator signature `PK\x06\x07`. */
export const ZIP64_LOCATOR_SIG = 0x07064b50;
/** Fixed sizes of the three records, without their variable-length tails. */
export const LOCAL_HEADER_SIZE = 30;
export const CENTRAL_HEADER_SIZE = 46;
export const EOCD_SIZE = 22;
/** General-purpose flag bits that matter here. */
export const FLAG_ENCRYPTED = 0x0001;
export const FLAG_DATA_DESCRIPTOR = 0x0008;
export const FLAG_STRONG_ENCRYPTION = 0x0040;
export const FLAG_UTF8 = 0x0800;
export const FLAG_ENCRYPTED_CD = 0x2000;
/** Compression methods accepted (artifacts.md §12.3). */
export const METHOD_STORED = 0;
export const METHOD_DEFLATED = 8;
/** Largest uncompressed member: 10 MiB (artifacts.md §12.3, validation.md §3 rule 4). */
export const MAX_MEMBER_BYTES = 10 * 1024 * 1024;
/** Default cap on the sum of all member sizes in one archive (a hardening; 64 MiB). */
export const MAX_TOTAL_BYTES = 64 * 1024 * 1024;
/** Default cap on the number of members in one archive (a hardening; the real zips hold 3 or 5). */
export const MAX_ENTRIES = 64;

/**
 * What a {@link ZipViolation} is about, so that each command can map it to its own code and
 * message (validation.md §3: approve → `INVALID_ARGS`, package → `INVALID_SIGNED_ZIP`):
 * - `corrupt`: the container is malformed or lies (EOCD, central directory, local header,
 *   sizes, CRC, DEFLATE stream, overlapping entries);
 * - `unsafe-name`: validation.md §3 rules 1-2 (plus the encoding rules of the zip format);
 * - `duplicate`: rule 3, a name seen before (also case-insensitively);
 * - `not-a-file`: rule 3, a directory entry, symlink or other non-regular Unix mode;
 * - `private-key`: rules 5-6, a `*.key` name or a PEM private-key marker in the bytes;
 * - `too-large`: rule 4, a member over the size limit, or the archive over its total;
 * - `too-many-entries`: more members than allowed;
 * - `unsupported`: encryption, ZIP64, multi-disk archives, methods other than STORED/DEFLATED.
 */
export type ZipViolationKind =
  | "corrupt"
  | "unsafe-name"
  | "duplicate"
  | "not-a-file"
  | "private-key"
  | "too-large"
  | "too-many-entries"
  | "unsupported";

/**
 * Thrown by `readZip` and `writeZip` for anything unsafe or malformed. It carries no error
 * code on purpose: the caller decides (approve: `INVALID_ARGS` with detail
 * `unsafe zip member or path traversal: <name>` etc.; package: `INVALID_SIGNED_ZIP`).
 * `member` is the offending member name as best decoded, or `undefined` when the problem
 * is not tied to one member (e.g. no end-of-central-directory record).
 */
export class ZipViolation extends Error {
  readonly kind: ZipViolationKind;
  readonly member: string | undefined;

  constructor(kind: ZipViolationKind, member: string | undefined, message: string) {
    super(message);
    this.name = "ZipViolation";
    this.kind = kind;
    this.member = member;
  }
}

// A Windows drive prefix (`C:`) would make the name absolute on extraction there.
const DRIVE_LETTER = /^[A-Za-z]:/;
// Lone UTF-16 surrogates cannot be encoded as UTF-8 and would not survive a round trip.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks one member name against validation.md §3 rules 1-2 and throws a
 * {@link ZipViolation} (`unsafe-name`, or `not-a-file` for a directory entry `x/`) when
 * it breaks one. Members must sit at the archive root, so any `/` is refused, which also
 * covers `..` components, `./a`, `a//b` and absolute POSIX paths. Returns nothing.
 */
export function checkMemberName(name: string): void {
  const unsafe = (why: string) =>
    new ZipViolation("unsafe-name", name, `unsafe zip member name (${why}): ${quote(name)}`);
  if (name.length === 0) throw unsafe("empty");
  if (name === "." || name === "..") throw unsafe("dot path");
  // Rule 1 (not end with `/`): such an entry is a directory by zip convention.
  if (name.endsWith("/"))
    throw new ZipViolation("not-a-file", name, `zip member is a directory: ${quote(name)}`);
  if (name.startsWith("/")) throw unsafe("absolute path");
  if (name.includes("\\")) throw unsafe("backslash");
  if (hasControlCharacter(name)) throw unsafe("control character");
  if (LONE_SURROGATE.test(name)) throw unsafe("invalid Unicode");
  if (DRIVE_LETTER.test(name)) throw unsafe("drive letter");
  // Rule 2: root level only, hence no `..` component and nothing to normalize.
  if (name.includes("/")) throw unsafe("not at the archive root");
}

// validation.md §3 rule 1 names control characters below 0x20; DEL and the C1 range
// (U+0080..U+009F) are rejected too as a hardening: no legitimate member name holds them.
function hasControlCharacter(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** True when every character of `text` is ASCII (U+0000..U+007F). */
export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** True when `name` ends in `.key`, case-insensitively (validation.md §3 rule 5). */
export function isKeyFileName(name: string): boolean {
  return name.toLowerCase().endsWith(".key");
}

/**
 * The key used to detect duplicate names. Besides exact repeats, names that differ only
 * in case or Unicode normalization are treated as duplicates (a hardening over
 * validation.md §3 rule 3: on case-insensitive or normalizing file systems they would
 * land on the same file).
 */
export function duplicateKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

/** A name quoted for messages, control characters escaped so they stay visible. */
export function quote(name: string): string {
  return JSON.stringify(name);
}

// validation.md §3 rule 6: the six PEM private-key markers, matched on raw bytes.
const MARKER_PREFIX = new TextEncoder().encode("-----BEGIN ");
const MARKER_SUFFIXES = [
  "PRIVATE KEY-----",
  "ENCRYPTED PRIVATE KEY-----",
  "RSA PRIVATE KEY-----",
  "EC PRIVATE KEY-----",
  "DSA PRIVATE KEY-----",
  "OPENSSH PRIVATE KEY-----",
].map((s) => new TextEncoder().encode(s));

/**
 * True when `bytes` contain any of the six PEM private-key markers of validation.md §3
 * rule 6 (`-----BEGIN PRIVATE KEY-----`, `... ENCRYPTED PRIVATE KEY-----`, `... RSA ...`,
 * `... EC ...`, `... DSA ...`, `... OPENSSH PRIVATE KEY-----`). The search is on bytes,
 * case-sensitive, as the reference does, so it works for any content and encoding of the
 * surrounding text.
 */
export function containsPrivateKeyMarker(bytes: Uint8Array): boolean {
  const first = MARKER_PREFIX[0];
  let i = bytes.indexOf(first as number);
  while (i !== -1) {
    if (matchesAt(bytes, i, MARKER_PREFIX)) {
      const rest = i + MARKER_PREFIX.length;
      if (MARKER_SUFFIXES.some((suffix) => matchesAt(bytes, rest, suffix))) return true;
    }
    i = bytes.indexOf(first as number, i + 1);
  }
  return false;
}

function matchesAt(bytes: Uint8Array, at: number, needle: Uint8Array): boolean {
  if (at + needle.length > bytes.length) return false;
  for (let j = 0; j < needle.length; j++) if (bytes[at + j] !== needle[j]) return false;
  return true;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC, the zip checksum) of `bytes`, as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * MS-DOS `{ time, date }` fields for the local-time fields of `date`, as Python's
 * `zipfile` stores `time.localtime()` (artifacts.md §12.3): seconds are halved, and dates
 * outside the representable 1980-01-01 .. 2107-12-31 range are clamped to its ends.
 * Throws a RangeError for an invalid Date.
 */
export function dosDateTime(date: Date): { time: number; date: number } {
  if (Number.isNaN(date.getTime())) throw new RangeError("invalid date for a zip timestamp");
  const year = date.getFullYear();
  if (year < 1980) return { time: 0, date: (1 << 5) | 1 };
  if (year > 2107) return { time: (23 << 11) | (59 << 5) | 29, date: (127 << 9) | (12 << 5) | 31 };
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

// DEFLATE cannot expand more than ~1032:1 (a 258-byte match in 2 bits), so feeding at most
// `remaining / 1024` input bytes per push keeps one push from producing much more than
// the remaining budget. The floor keeps small tails (and 64 KiB stored blocks) from
// needing thousands of pushes; one push of 256 bytes yields at most ~264 KiB.
const MAX_EXPANSION = 1024;
const MIN_PUSH = 256;
const MAX_PUSH = 64 * 1024;

/**
 * Inflates a raw DEFLATE stream, producing at most `limit + 1` bytes. Returns the output;
 * a result longer than `limit` means the stream holds more than `limit` bytes (it was
 * abandoned there, never inflated to its end). The input is streamed through fflate's
 * `Inflate` in small pushes sized from the remaining budget, so its working memory stays
 * near `limit` however large the stream would expand. `observe`, if given, sees the size
 * of every chunk the inflater emits (tests use it to prove a bomb was not inflated).
 * Throws a ZipViolation (`corrupt`, naming `member`) for a malformed or truncated stream.
 */
export function inflateRawCapped(
  compressed: Uint8Array,
  limit: number,
  member?: string,
  observe?: (chunkLength: number) => void,
): Uint8Array {
  const bad = (why: string) =>
    new ZipViolation("corrupt", member, `${why} DEFLATE data in zip member ${quote(member ?? "")}`);
  // A DEFLATE stream holds at least one block; fflate would accept empty input silently.
  if (compressed.length === 0) throw bad("empty");
  const out = new Uint8Array(limit + 1);
  let written = 0;
  const inflater = new Inflate((chunk) => {
    observe?.(chunk.length);
    const take = Math.min(chunk.length, out.length - written);
    out.set(chunk.subarray(0, take), written);
    written += take;
  });
  try {
    let pos = 0;
    while (pos < compressed.length && written <= limit) {
      const budget = Math.floor((limit + 1 - written) / MAX_EXPANSION);
      const end = Math.min(compressed.length, pos + Math.min(MAX_PUSH, Math.max(MIN_PUSH, budget)));
      // The last push is marked final: fflate then reports a stream that ends early.
      inflater.push(compressed.subarray(pos, end), end === compressed.length);
      pos = end;
    }
  } catch {
    throw bad("invalid or truncated");
  }
  return out.subarray(0, written);
}
