/**
 * The reader for folder archives the user brings back from their own machine (a request folder
 * or CA folder downloaded from the browser front end, or zipped by hand). It allows what the
 * strict {@link readZip} refuses for traveling zips (nested paths, folders, key files) and still
 * checks every field it relies on: safe relative paths, no duplicates, no symlinks or special
 * files, no encryption or ZIP64, sizes and CRC-32, inflation capped at the declared size.
 */
import { bytesEqual } from "../bytes/encoding.ts";
import { checkArchivePath, MAX_ARCHIVE_ENTRIES } from "./write-archive.ts";
import {
  CENTRAL_HEADER_SIG,
  CENTRAL_HEADER_SIZE,
  crc32,
  duplicateKey,
  EOCD_SIG,
  EOCD_SIZE,
  FLAG_ENCRYPTED,
  FLAG_ENCRYPTED_CD,
  FLAG_STRONG_ENCRYPTION,
  FLAG_UTF8,
  inflateRawCapped,
  LOCAL_HEADER_SIG,
  LOCAL_HEADER_SIZE,
  MAX_MEMBER_BYTES,
  MAX_TOTAL_BYTES,
  METHOD_DEFLATED,
  METHOD_STORED,
  quote,
  ZipViolation,
} from "./zip-format.ts";

/** One file of an archive read by {@link readArchive}. */
export interface ArchiveFile {
  /** Relative POSIX path, checked by {@link checkArchivePath}. */
  path: string;
  data: Uint8Array;
  /** Unix permission bits from the external attributes; 0 when the archive recorded none. */
  mode: number;
}

const FILE_TYPE_MASK = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const DOS_DIRECTORY = 0x10;
const UNIX_HOST = 3;
const ENCRYPTION_FLAGS = FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_ENCRYPTED_CD;

function corrupt(message: string, member?: string): ZipViolation {
  return new ZipViolation("corrupt", member, message);
}

/**
 * Reads a folder archive held in memory and returns its files in central-directory order
 * (folder entries are checked and dropped: a file's path names its folders). Throws a
 * {@link ZipViolation} for anything malformed or unsafe; never anything else for any bytes.
 * Limits: {@link MAX_ARCHIVE_ENTRIES} entries, 10 MiB per file, 64 MiB in all.
 */
export function readArchive(bytes: Uint8Array): ArchiveFile[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { count, cdOffset, cdSize } = findEnd(bytes, view);
  if (count > MAX_ARCHIVE_ENTRIES) {
    throw new ZipViolation(
      "too-many-entries",
      undefined,
      `archive has ${count} entries, more than the limit`,
    );
  }
  const files: ArchiveFile[] = [];
  const seen = new Set<string>();
  let total = 0;
  let pos = cdOffset;
  for (let k = 0; k < count; k++) {
    if (pos + CENTRAL_HEADER_SIZE > cdOffset + cdSize || view.getUint32(pos, true) !== CENTRAL_HEADER_SIG)
      throw corrupt(`archive central directory entry ${k + 1} is malformed`);
    const madeBy = view.getUint16(pos + 4, true);
    const flags = view.getUint16(pos + 8, true);
    const method = view.getUint16(pos + 10, true);
    const crc = view.getUint32(pos + 16, true);
    const compressedSize = view.getUint32(pos + 20, true);
    const size = view.getUint32(pos + 24, true);
    const nameLength = view.getUint16(pos + 28, true);
    const next =
      pos +
      CENTRAL_HEADER_SIZE +
      nameLength +
      view.getUint16(pos + 30, true) +
      view.getUint16(pos + 32, true);
    const externalAttr = view.getUint32(pos + 38, true);
    const localOffset = view.getUint32(pos + 42, true);
    if (next > cdOffset + cdSize)
      throw corrupt(`archive central directory entry ${k + 1} runs past the directory`);
    const nameBytes = bytes.subarray(pos + CENTRAL_HEADER_SIZE, pos + CENTRAL_HEADER_SIZE + nameLength);
    pos = next;
    const rawName = decodeName(nameBytes, flags);
    const isDir = rawName.endsWith("/");
    const path = isDir ? rawName.slice(0, -1) : rawName;
    checkArchivePath(path);
    const key = duplicateKey(path);
    if (seen.has(key)) throw new ZipViolation("duplicate", path, `duplicate archive path: ${quote(path)}`);
    seen.add(key);
    const unixBits = madeBy >> 8 === UNIX_HOST ? externalAttr >>> 16 : 0;
    const type = unixBits & FILE_TYPE_MASK;
    const dirType = type === S_IFDIR || (externalAttr & DOS_DIRECTORY) !== 0;
    if (isDir !== dirType && !(isDir && type === 0)) {
      throw new ZipViolation(
        "not-a-file",
        path,
        `archive entry is neither a plain file nor a folder: ${quote(path)}`,
      );
    }
    if (!isDir && type !== 0 && type !== S_IFREG)
      throw new ZipViolation("not-a-file", path, `archive entry is not a regular file: ${quote(path)}`);
    if (flags & ENCRYPTION_FLAGS)
      throw new ZipViolation("unsupported", path, `encrypted archive entry: ${quote(path)}`);
    if (method !== METHOD_STORED && method !== METHOD_DEFLATED)
      throw new ZipViolation("unsupported", path, `unsupported compression method ${method}: ${quote(path)}`);
    if (size > MAX_MEMBER_BYTES)
      throw new ZipViolation("too-large", path, `archive entry too large: ${quote(path)}`);
    total += size;
    if (total > MAX_TOTAL_BYTES)
      throw new ZipViolation("too-large", path, "archive exceeds the total size limit");
    if (isDir) continue;
    const data = readData(bytes, view, {
      nameBytes,
      path,
      method,
      compressedSize,
      size,
      localOffset,
      cdOffset,
    });
    if (crc32(data) !== crc) throw corrupt(`archive entry fails its CRC check: ${quote(path)}`, path);
    files.push({ path, data, mode: unixBits & 0o777 });
  }
  return files;
}

function findEnd(bytes: Uint8Array, view: DataView): { count: number; cdOffset: number; cdSize: number } {
  if (bytes.length < EOCD_SIZE) throw corrupt("not a zip archive: too short");
  const lowest = Math.max(0, bytes.length - EOCD_SIZE - 0xffff);
  for (let i = bytes.length - EOCD_SIZE; i >= lowest; i--) {
    if (view.getUint32(i, true) !== EOCD_SIG || i + EOCD_SIZE + view.getUint16(i + 20, true) !== bytes.length)
      continue;
    const count = view.getUint16(i + 10, true);
    const cdSize = view.getUint32(i + 12, true);
    const cdOffset = view.getUint32(i + 16, true);
    if (view.getUint16(i + 4, true) !== 0 || view.getUint16(i + 6, true) !== 0 || count === 0xffff)
      throw new ZipViolation("unsupported", undefined, "multi-disk and ZIP64 archives are not supported");
    if (view.getUint16(i + 8, true) !== count) throw corrupt("zip end record has inconsistent entry counts");
    if (cdOffset + cdSize !== i) throw corrupt("zip central directory does not fit before the end record");
    return { count, cdOffset, cdSize };
  }
  throw corrupt("not a zip archive: no end of central directory record");
}

function decodeName(nameBytes: Uint8Array, flags: number): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(nameBytes);
  } catch {
    const shown = new TextDecoder().decode(nameBytes);
    throw new ZipViolation(
      "unsafe-name",
      shown,
      `archive path is not valid ${flags & FLAG_UTF8 ? "UTF-8" : "text"}: ${quote(shown)}`,
    );
  }
}

interface DataRef {
  nameBytes: Uint8Array;
  path: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  cdOffset: number;
}

function readData(bytes: Uint8Array, view: DataView, r: DataRef): Uint8Array {
  const at = r.localOffset;
  if (at + LOCAL_HEADER_SIZE > r.cdOffset || view.getUint32(at, true) !== LOCAL_HEADER_SIG)
    throw corrupt(`archive entry has no valid local header: ${quote(r.path)}`, r.path);
  const nameLength = view.getUint16(at + 26, true);
  const start = at + LOCAL_HEADER_SIZE + nameLength + view.getUint16(at + 28, true);
  if (!bytesEqual(bytes.subarray(at + LOCAL_HEADER_SIZE, at + LOCAL_HEADER_SIZE + nameLength), r.nameBytes))
    throw corrupt(`archive local header name differs from the central directory: ${quote(r.path)}`, r.path);
  if (view.getUint16(at + 8, true) !== r.method)
    throw corrupt(`archive local header disagrees with the central directory: ${quote(r.path)}`, r.path);
  const end = start + r.compressedSize;
  if (end > r.cdOffset) throw corrupt(`archive entry data runs past the archive: ${quote(r.path)}`, r.path);
  const body = bytes.subarray(start, end);
  const data = r.method === METHOD_STORED ? body.slice() : inflateRawCapped(body, r.size, r.path);
  if (data.length !== r.size)
    throw corrupt(`archive entry size differs from its header: ${quote(r.path)}`, r.path);
  return data;
}
