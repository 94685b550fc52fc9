/**
 * The zip writer for folders that stay on the user's own machine: a request folder (with its
 * private key), a CA folder (with the root key), a startup kit. Unlike {@link writeZip}, which
 * writes the zips that travel between participants and refuses key material, it takes nested
 * POSIX paths, directory entries and a Unix mode per entry, and it does store keys: keeping
 * them is the point of these archives. The browser front end downloads its folders this way.
 */
import { deflateSync } from "fflate";
import { utf8 } from "../bytes/encoding.ts";
import {
  CENTRAL_HEADER_SIG,
  CENTRAL_HEADER_SIZE,
  crc32,
  dosDateTime,
  duplicateKey,
  EOCD_SIG,
  EOCD_SIZE,
  FLAG_UTF8,
  isAscii,
  LOCAL_HEADER_SIG,
  LOCAL_HEADER_SIZE,
  METHOD_DEFLATED,
  METHOD_STORED,
  quote,
  ZipViolation,
} from "./zip-format.ts";

/** One file or folder of a {@link writeArchive} archive. */
export interface ArchiveEntry {
  /** Relative POSIX path (`site-1/startup/start.sh`); a folder without the trailing `/`. */
  path: string;
  /** Unix permission bits, e.g. 0o600 for a key, 0o755 for a script or a folder. */
  mode: number;
  /** The bytes of a file; absent for a folder. */
  data?: Uint8Array;
}

/** Options of {@link writeArchive}. */
export interface WriteArchiveOptions {
  /** The modification time of every entry, stored from its local-time fields. */
  date: Date;
}

// "Version made by" 2.0 on Unix (host 3): Info-ZIP `unzip` then restores the permission bits
// from the high half of the external attributes (APPNOTE.TXT §4.4.2, §4.4.15).
const VERSION_MADE_BY = 0x0314;
const VERSION_NEEDED = 20;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
// MS-DOS directory attribute (APPNOTE.TXT §4.4.15), set beside the Unix bits for folders.
const DOS_DIRECTORY = 0x10;
const DEFLATE_LEVEL = 6;
/** At most this many entries (a kit has about 20; the cap keeps a mistake from growing without bound). */
export const MAX_ARCHIVE_ENTRIES = 1000;

/**
 * Checks that `path` is a relative POSIX path of plain components: not empty, no leading or
 * trailing `/`, no empty, `.` or `..` component, no backslash, no control character, no drive
 * letter. Throws a {@link ZipViolation} (`unsafe-name`) otherwise. Shared with the reader.
 */
export function checkArchivePath(path: string): void {
  const unsafe = (why: string) =>
    new ZipViolation("unsafe-name", path, `unsafe archive path (${why}): ${quote(path)}`);
  if (path.length === 0) throw unsafe("empty");
  if (path.startsWith("/")) throw unsafe("absolute path");
  if (path.includes("\\")) throw unsafe("backslash");
  if (/^[A-Za-z]:/.test(path)) throw unsafe("drive letter");
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) throw unsafe("control character");
  }
  for (const part of path.split("/")) {
    if (part === "") throw unsafe("empty component");
    if (part === "." || part === "..") throw unsafe("dot component");
  }
}

/**
 * Builds a zip of `entries` in the given order: folders as `path/` entries with
 * `S_IFDIR | mode` (and the DOS directory bit), files DEFLATEd (STORED when that is smaller)
 * with `S_IFREG | mode`, version made by 2.0/Unix, every entry stamped with the DOS time of
 * `options.date`. `unzip` restores the modes. Deterministic for fixed inputs. Throws a
 * {@link ZipViolation} before writing anything for an unsafe or duplicate path, a mode outside
 * 0o777, or more than {@link MAX_ARCHIVE_ENTRIES} entries.
 */
export function writeArchive(entries: readonly ArchiveEntry[], options: WriteArchiveOptions): Uint8Array {
  checkEntries(entries);
  const { time, date } = dosDateTime(options.date);
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const isDir = entry.data === undefined;
    const name = isDir ? `${entry.path}/` : entry.path;
    const data = entry.data ?? new Uint8Array(0);
    const deflated = deflateSync(data, { level: DEFLATE_LEVEL });
    const stored = isDir || deflated.length >= data.length;
    const body = stored ? data : deflated;
    const header: Header = {
      nameBytes: utf8(name),
      flags: isAscii(name) ? 0 : FLAG_UTF8,
      method: stored ? METHOD_STORED : METHOD_DEFLATED,
      time,
      date,
      crc: crc32(data),
      compressedSize: body.length,
      size: data.length,
      externalAttr: (((isDir ? S_IFDIR : S_IFREG) | entry.mode) << 16) | (isDir ? DOS_DIRECTORY : 0),
    };
    const local = localHeader(header);
    centrals.push(centralHeader(header, offset));
    locals.push(local, body);
    offset += local.length + body.length;
  }
  const centralSize = centrals.reduce((sum, c) => sum + c.length, 0);
  const eocd = new Uint8Array(EOCD_SIZE);
  const view = new DataView(eocd.buffer);
  view.setUint32(0, EOCD_SIG, true);
  view.setUint16(8, entries.length, true);
  view.setUint16(10, entries.length, true);
  view.setUint32(12, centralSize, true);
  view.setUint32(16, offset, true);
  return concat([...locals, ...centrals, eocd]);
}

function checkEntries(entries: readonly ArchiveEntry[]): void {
  if (entries.length > MAX_ARCHIVE_ENTRIES) {
    throw new ZipViolation(
      "too-many-entries",
      undefined,
      `cannot archive ${entries.length} entries (limit ${MAX_ARCHIVE_ENTRIES})`,
    );
  }
  const seen = new Set<string>();
  for (const entry of entries) {
    checkArchivePath(entry.path);
    if (!Number.isInteger(entry.mode) || entry.mode < 0 || entry.mode > 0o777) {
      throw new ZipViolation("unsupported", entry.path, `invalid mode for ${quote(entry.path)}`);
    }
    const key = duplicateKey(entry.path);
    if (seen.has(key))
      throw new ZipViolation("duplicate", entry.path, `duplicate path: ${quote(entry.path)}`);
    seen.add(key);
  }
}

interface Header {
  nameBytes: Uint8Array;
  flags: number;
  method: number;
  time: number;
  date: number;
  crc: number;
  compressedSize: number;
  size: number;
  externalAttr: number;
}

function setCommon(view: DataView, at: number, h: Header): void {
  view.setUint16(at, VERSION_NEEDED, true);
  view.setUint16(at + 2, h.flags, true);
  view.setUint16(at + 4, h.method, true);
  view.setUint16(at + 6, h.time, true);
  view.setUint16(at + 8, h.date, true);
  view.setUint32(at + 10, h.crc, true);
  view.setUint32(at + 14, h.compressedSize, true);
  view.setUint32(at + 18, h.size, true);
  view.setUint16(at + 22, h.nameBytes.length, true);
}

function localHeader(h: Header): Uint8Array {
  const out = new Uint8Array(LOCAL_HEADER_SIZE + h.nameBytes.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, LOCAL_HEADER_SIG, true);
  setCommon(view, 4, h);
  out.set(h.nameBytes, LOCAL_HEADER_SIZE);
  return out;
}

function centralHeader(h: Header, localOffset: number): Uint8Array {
  const out = new Uint8Array(CENTRAL_HEADER_SIZE + h.nameBytes.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, CENTRAL_HEADER_SIG, true);
  view.setUint16(4, VERSION_MADE_BY, true);
  setCommon(view, 6, h);
  view.setUint32(38, h.externalAttr >>> 0, true);
  view.setUint32(42, localOffset, true);
  out.set(h.nameBytes, CENTRAL_HEADER_SIZE);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
