/**
 * A strict zip reader for the request zip (`cert approve`) and the signed zip (`package`).
 * It parses the container itself so that every field is checked, applies the zip safety
 * rules of validation.md §3 and inflates with a hard cap; fflate only does raw DEFLATE.
 */
import { bytesEqual } from "../bytes/encoding.ts";
import {
  CENTRAL_HEADER_SIG,
  CENTRAL_HEADER_SIZE,
  checkMemberName,
  containsPrivateKeyMarker,
  crc32,
  duplicateKey,
  EOCD_SIG,
  EOCD_SIZE,
  FLAG_DATA_DESCRIPTOR,
  FLAG_ENCRYPTED,
  FLAG_ENCRYPTED_CD,
  FLAG_STRONG_ENCRYPTION,
  FLAG_UTF8,
  inflateRawCapped,
  isKeyFileName,
  LOCAL_HEADER_SIG,
  LOCAL_HEADER_SIZE,
  MAX_ENTRIES,
  MAX_MEMBER_BYTES,
  MAX_TOTAL_BYTES,
  METHOD_DEFLATED,
  METHOD_STORED,
  quote,
  ZIP64_LOCATOR_SIG,
  ZipViolation,
} from "./zip-format.ts";

export { containsPrivateKeyMarker, ZipViolation, type ZipViolationKind } from "./zip-format.ts";

/** Caps applied by {@link readZip}; every field is optional. */
export interface ZipLimits {
  /** Largest declared (and actual) uncompressed member size; default 10 MiB (validation.md §3 rule 4). */
  maxMemberBytes?: number;
  /** Largest sum of uncompressed member sizes; default 64 MiB. */
  maxTotalBytes?: number;
  /** Most members in the archive, checked before anything is read; default 64. */
  maxEntries?: number;
}

/** One member of an archive read by {@link readZip}. */
export interface ZipEntry {
  /** The member name, decoded (UTF-8 with the UTF-8 flag, else ASCII). */
  name: string;
  /** The uncompressed bytes, CRC-checked. */
  data: Uint8Array;
  /** How the member was stored: 0 STORED or 8 DEFLATED. */
  method: 0 | 8;
  /** The Unix mode from the external attributes (`extattr >>> 16`); 0 when none was recorded. */
  unixMode: number;
}

interface Eocd {
  offset: number;
  count: number;
  cdOffset: number;
  cdSize: number;
}

interface CentralRecord {
  nameBytes: Uint8Array;
  /** Decoded during the name checks; the raw bytes until then. */
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  externalAttr: number;
  localOffset: number;
}

interface DataSpan {
  record: CentralRecord;
  start: number;
  dataStart: number;
  dataEnd: number;
}

const ENCRYPTION_FLAGS = FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_ENCRYPTED_CD;
// Flags that change how a member is decoded must agree between local and central headers.
const SEMANTIC_FLAGS = ENCRYPTION_FLAGS | FLAG_UTF8;
const FILE_TYPE_MASK = 0o170000;
const REGULAR_FILE = 0o100000;
const DOS_DIRECTORY_ATTR = 0x10;
const ZIP64_16 = 0xffff;
const ZIP64_32 = 0xffffffff;

/**
 * Reads and validates a whole zip archive held in memory and returns its members in
 * central-directory order. Checks, in this order (the first violation aborts):
 * 1. the container: one end-of-central-directory record at the very end (no ZIP64, one
 *    disk, counts that agree, a central directory that fits and ends exactly at the end
 *    record), at most `maxEntries` members;
 * 2. for each central entry, in order, validation.md §3 rules 1-5: the name (UTF-8 only
 *    with the UTF-8 flag, else ASCII; {@link checkMemberName}), duplicates (also
 *    case-insensitive), directory/symlink/special modes, declared size ≤ `maxMemberBytes`,
 *    no `*.key` name, no encryption, method STORED or DEFLATED, running total ≤
 *    `maxTotalBytes`;
 * 3. every local header: signature, same name, method and flags as the central entry,
 *    data inside the archive, no two entries overlapping, the first one at offset 0;
 * 4. each member's data, in order: inflated without ever producing more than its
 *    declared size + 1 bytes, actual size and CRC-32 equal to the declared ones, and no
 *    PEM private-key marker (rule 6).
 * Throws {@link ZipViolation}; never anything else for any input bytes.
 */
export function readZip(bytes: Uint8Array, limits: ZipLimits = {}): ZipEntry[] {
  const maxMemberBytes = limits.maxMemberBytes ?? MAX_MEMBER_BYTES;
  const maxTotalBytes = limits.maxTotalBytes ?? MAX_TOTAL_BYTES;
  const maxEntries = limits.maxEntries ?? MAX_ENTRIES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  const eocd = findEocd(bytes, view);
  if (eocd.count > maxEntries) {
    throw new ZipViolation(
      "too-many-entries",
      undefined,
      `zip archive has ${eocd.count} members, more than the limit of ${maxEntries}`,
    );
  }
  const records = readCentralDirectory(bytes, view, eocd);

  const seen = new Set<string>();
  let total = 0;
  for (const record of records) {
    checkCentralRecord(record, seen, maxMemberBytes);
    total += record.uncompressedSize;
    if (total > maxTotalBytes) {
      throw new ZipViolation(
        "too-large",
        record.name,
        `zip archive exceeds the total size limit of ${maxTotalBytes} bytes at member ${quote(record.name)}`,
      );
    }
  }

  const spans = records.map((record) => locateData(bytes, view, record, eocd.cdOffset));
  checkLayout(spans);

  return spans.map((span) => readMember(bytes, span));
}

function corrupt(message: string, member?: string): ZipViolation {
  return new ZipViolation("corrupt", member, message);
}

function findEocd(bytes: Uint8Array, view: DataView): Eocd {
  if (bytes.length < EOCD_SIZE) throw corrupt("not a zip archive: too short");
  // The record is followed only by its comment (≤ 65535 bytes); take the last candidate
  // whose comment length reaches exactly to the end of the input.
  const lowest = Math.max(0, bytes.length - EOCD_SIZE - 0xffff);
  let at = -1;
  for (let i = bytes.length - EOCD_SIZE; i >= lowest; i--) {
    if (
      view.getUint32(i, true) === EOCD_SIG &&
      i + EOCD_SIZE + view.getUint16(i + 20, true) === bytes.length
    ) {
      at = i;
      break;
    }
  }
  if (at < 0) throw corrupt("not a zip archive: no end of central directory record");
  const disk = view.getUint16(at + 4, true);
  const cdDisk = view.getUint16(at + 6, true);
  const countOnDisk = view.getUint16(at + 8, true);
  const count = view.getUint16(at + 10, true);
  const cdSize = view.getUint32(at + 12, true);
  const cdOffset = view.getUint32(at + 16, true);
  const zip64Locator = at >= 20 && view.getUint32(at - 20, true) === ZIP64_LOCATOR_SIG;
  if (zip64Locator || count === ZIP64_16 || cdSize === ZIP64_32 || cdOffset === ZIP64_32) {
    throw new ZipViolation("unsupported", undefined, "ZIP64 archives are not supported");
  }
  if (disk !== 0 || cdDisk !== 0) {
    throw new ZipViolation("unsupported", undefined, "multi-disk zip archives are not supported");
  }
  if (countOnDisk !== count) throw corrupt("zip end record has inconsistent entry counts");
  // The directory must end exactly where the end record begins: no ZIP64 records or other
  // bytes in between.
  if (cdOffset + cdSize !== at) throw corrupt("zip central directory does not fit before the end record");
  return { offset: at, count, cdOffset, cdSize };
}

function readCentralDirectory(bytes: Uint8Array, view: DataView, eocd: Eocd): CentralRecord[] {
  const end = eocd.cdOffset + eocd.cdSize;
  const records: CentralRecord[] = [];
  let pos = eocd.cdOffset;
  for (let k = 0; k < eocd.count; k++) {
    if (pos + CENTRAL_HEADER_SIZE > end || view.getUint32(pos, true) !== CENTRAL_HEADER_SIG) {
      throw corrupt(`zip central directory entry ${k + 1} is malformed`);
    }
    const nameLength = view.getUint16(pos + 28, true);
    const nameStart = pos + CENTRAL_HEADER_SIZE;
    const next = nameStart + nameLength + view.getUint16(pos + 30, true) + view.getUint16(pos + 32, true);
    if (next > end) throw corrupt(`zip central directory entry ${k + 1} runs past the directory`);
    const nameBytes = bytes.subarray(nameStart, nameStart + nameLength);
    const record: CentralRecord = {
      nameBytes,
      name: lossyName(nameBytes),
      flags: view.getUint16(pos + 8, true),
      method: view.getUint16(pos + 10, true),
      crc: view.getUint32(pos + 16, true),
      compressedSize: view.getUint32(pos + 20, true),
      uncompressedSize: view.getUint32(pos + 24, true),
      externalAttr: view.getUint32(pos + 38, true),
      localOffset: view.getUint32(pos + 42, true),
    };
    if (view.getUint16(pos + 34, true) !== 0) {
      throw new ZipViolation("unsupported", record.name, "multi-disk zip archives are not supported");
    }
    if (
      record.compressedSize === ZIP64_32 ||
      record.uncompressedSize === ZIP64_32 ||
      record.localOffset === ZIP64_32
    ) {
      throw new ZipViolation("unsupported", record.name, `ZIP64 member not supported: ${quote(record.name)}`);
    }
    records.push(record);
    pos = next;
  }
  if (pos !== end) throw corrupt("zip central directory size disagrees with its entries");
  return records;
}

function lossyName(nameBytes: Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: false }).decode(nameBytes);
}

/** validation.md §3 rules 1-5 plus the format's own limits, for one central entry. */
function checkCentralRecord(record: CentralRecord, seen: Set<string>, maxMemberBytes: number): void {
  record.name = decodeName(record);
  const name = record.name;
  checkMemberName(name);

  const key = duplicateKey(name);
  if (seen.has(key)) throw new ZipViolation("duplicate", name, `duplicate zip member: ${quote(name)}`);
  seen.add(key);

  // Rule 3: file-type bits 0 ("none", what the reference writes) or a regular file only.
  const fileType = (record.externalAttr >>> 16) & FILE_TYPE_MASK;
  if ((fileType !== 0 && fileType !== REGULAR_FILE) || record.externalAttr & DOS_DIRECTORY_ATTR) {
    throw new ZipViolation("not-a-file", name, `zip member is not a regular file: ${quote(name)}`);
  }

  if (record.uncompressedSize > maxMemberBytes) {
    throw new ZipViolation("too-large", name, `zip member exceeds size limit: ${quote(name)}`);
  }

  if (isKeyFileName(name)) {
    throw new ZipViolation("private-key", name, `zip member is a private key: ${quote(name)}`);
  }

  if (record.flags & ENCRYPTION_FLAGS) {
    throw new ZipViolation("unsupported", name, `encrypted zip member: ${quote(name)}`);
  }
  if (record.method !== METHOD_STORED && record.method !== METHOD_DEFLATED) {
    throw new ZipViolation(
      "unsupported",
      name,
      `unsupported compression method ${record.method} for zip member ${quote(name)}`,
    );
  }
}

/** UTF-8 only under the UTF-8 flag (bit 11); without it, ASCII only. */
function decodeName(record: CentralRecord): string {
  const { nameBytes, name } = record;
  if (record.flags & FLAG_UTF8) {
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(nameBytes);
    } catch {
      throw new ZipViolation("unsafe-name", name, `zip member name is not valid UTF-8: ${quote(name)}`);
    }
  }
  if (nameBytes.some((b) => b >= 0x80)) {
    throw new ZipViolation(
      "unsafe-name",
      name,
      `zip member name is not ASCII and not flagged UTF-8: ${quote(name)}`,
    );
  }
  // ASCII decodes identically under any decoder, so the lossy UTF-8 reading is exact here.
  return name;
}

function locateData(bytes: Uint8Array, view: DataView, record: CentralRecord, cdOffset: number): DataSpan {
  const { name } = record;
  const start = record.localOffset;
  if (start + LOCAL_HEADER_SIZE > cdOffset || view.getUint32(start, true) !== LOCAL_HEADER_SIG) {
    throw corrupt(`zip member has no valid local header: ${quote(name)}`, name);
  }
  const flags = view.getUint16(start + 6, true);
  const nameLength = view.getUint16(start + 26, true);
  const dataStart = start + LOCAL_HEADER_SIZE + nameLength + view.getUint16(start + 28, true);
  const localName = bytes.subarray(start + LOCAL_HEADER_SIZE, start + LOCAL_HEADER_SIZE + nameLength);
  if (!bytesEqual(localName, record.nameBytes)) {
    throw corrupt(`zip local header name does not match the central directory: ${quote(name)}`, name);
  }
  if (
    (flags & SEMANTIC_FLAGS) !== (record.flags & SEMANTIC_FLAGS) ||
    view.getUint16(start + 8, true) !== record.method
  ) {
    throw corrupt(`zip local header disagrees with the central directory: ${quote(name)}`, name);
  }
  // Without a data descriptor the local header repeats CRC and sizes; with one they may be 0.
  const fields: [number, number][] = [
    [view.getUint32(start + 14, true), record.crc],
    [view.getUint32(start + 18, true), record.compressedSize],
    [view.getUint32(start + 22, true), record.uncompressedSize],
  ];
  const deferred = (flags & FLAG_DATA_DESCRIPTOR) !== 0;
  if (fields.some(([local, central]) => local !== central && !(deferred && local === 0))) {
    throw corrupt(`zip local header sizes or CRC disagree with the central directory: ${quote(name)}`, name);
  }
  const dataEnd = dataStart + record.compressedSize;
  if (dataEnd > cdOffset) throw corrupt(`zip member data runs past the archive: ${quote(name)}`, name);
  return { record, start, dataStart, dataEnd };
}

/**
 * Local header offsets must not fall inside another entry (overlapping-entry bombs). As a
 * hardening, the first member must also start the file: bytes before it (self-extractor
 * stubs, a zip appended to another file to make a polyglot) are refused.
 */
function checkLayout(spans: DataSpan[]): void {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  if (sorted.length > 0 && sorted[0]!.start !== 0)
    throw corrupt("zip archive has data before its first member");
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    const current = sorted[i]!;
    if (current.start < previous.dataEnd) {
      throw corrupt(`zip member overlaps another member: ${quote(current.record.name)}`, current.record.name);
    }
  }
}

function readMember(bytes: Uint8Array, span: DataSpan): ZipEntry {
  const { record } = span;
  const { name } = record;
  const raw = bytes.subarray(span.dataStart, span.dataEnd);
  let data: Uint8Array;
  if (record.method === METHOD_STORED) {
    if (record.compressedSize !== record.uncompressedSize) {
      throw corrupt(`stored zip member sizes disagree: ${quote(name)}`, name);
    }
    data = raw.slice();
  } else {
    // validation.md §3 rule 4: at most declared size + 1 bytes are ever produced.
    const inflated = inflateRawCapped(raw, record.uncompressedSize, name);
    if (inflated.length !== record.uncompressedSize) {
      throw corrupt(`zip member size differs from its declared size: ${quote(name)}`, name);
    }
    data = inflated.slice();
  }
  if (crc32(data) !== record.crc) throw corrupt(`zip member CRC-32 mismatch: ${quote(name)}`, name);
  // validation.md §3 rule 6, on the bytes, for every member read.
  if (containsPrivateKeyMarker(data)) {
    throw new ZipViolation("private-key", name, `zip member contains a private key: ${quote(name)}`);
  }
  return {
    name,
    data,
    method: record.method === METHOD_STORED ? METHOD_STORED : METHOD_DEFLATED,
    unixMode: record.externalAttr >>> 16,
  };
}
