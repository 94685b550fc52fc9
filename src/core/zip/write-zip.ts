/**
 * The zip writer for the request zip and the signed zip, laid out like the reference's
 * Python `zipfile` output (artifacts.md §12.3) and refusing anything `readZip` would reject.
 */
import { deflateSync } from "fflate";
import { utf8 } from "../bytes/encoding.ts";
import {
  CENTRAL_HEADER_SIG,
  CENTRAL_HEADER_SIZE,
  checkMemberName,
  containsPrivateKeyMarker,
  crc32,
  dosDateTime,
  duplicateKey,
  EOCD_SIG,
  EOCD_SIZE,
  FLAG_UTF8,
  isAscii,
  isKeyFileName,
  LOCAL_HEADER_SIG,
  LOCAL_HEADER_SIZE,
  MAX_ENTRIES,
  MAX_MEMBER_BYTES,
  MAX_TOTAL_BYTES,
  METHOD_DEFLATED,
  quote,
  ZipViolation,
} from "./zip-format.ts";

/** One file to put into a zip by {@link writeZip}. */
export interface ZipMemberInput {
  /** The member name, at the archive root (validation.md §3 rules 1-2). */
  name: string;
  /** The uncompressed bytes, at most 10 MiB. */
  data: Uint8Array;
}

/** Options of {@link writeZip}. */
export interface WriteZipOptions {
  /** The modification time of every member, stored from its local-time fields. */
  date: Date;
}

// "Version made by" 2.0 on Unix (host 3) and "version needed" 2.0, as Python writes them.
const VERSION_MADE_BY = 0x0314;
const VERSION_NEEDED = 20;
// Permission bits only, no file-type bits (`?rw-------` in zipinfo), artifacts.md §12.3.
const EXTERNAL_ATTR = 0o600 << 16;
const DEFLATE_LEVEL = 6;

/**
 * Builds a zip archive of `members`, in the given order, like the reference writer
 * (artifacts.md §12.3): DEFLATE level 6, no data descriptors, extra fields or comments,
 * version made by 2.0/Unix, version needed 2.0, external attributes `0o600 << 16`, flags 0
 * (0x0800 when a name is not ASCII), every member stamped with the DOS time of
 * `options.date`'s local-time fields. The output is deterministic for fixed inputs.
 * Throws {@link ZipViolation} before writing anything for a name `readZip` would reject, a
 * `*.key` name or data holding a PEM private-key marker (`private-key`), a duplicate name
 * (also case-insensitive), a member over 10 MiB or more than 64 members / 64 MiB in total
 * (validation.md §3: "writers refuse to put a `*.key` arcname into any zip").
 */
export function writeZip(members: ZipMemberInput[], options: WriteZipOptions): Uint8Array {
  checkMembers(members);
  const { time, date } = dosDateTime(options.date);

  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const member of members) {
    const nameBytes = utf8(member.name);
    const flags = isAscii(member.name) ? 0 : FLAG_UTF8;
    const compressed = deflateSync(member.data, { level: DEFLATE_LEVEL });
    const header = {
      flags,
      time,
      date,
      crc: crc32(member.data),
      compressedSize: compressed.length,
      size: member.data.length,
      nameBytes,
    };
    const local = localHeader(header);
    centrals.push(centralHeader(header, offset));
    locals.push(local, compressed);
    offset += local.length + compressed.length;
  }

  const centralSize = centrals.reduce((sum, c) => sum + c.length, 0);
  const eocd = new Uint8Array(EOCD_SIZE);
  const view = new DataView(eocd.buffer);
  view.setUint32(0, EOCD_SIG, true);
  view.setUint16(8, members.length, true);
  view.setUint16(10, members.length, true);
  view.setUint32(12, centralSize, true);
  view.setUint32(16, offset, true);
  return concat([...locals, ...centrals, eocd]);
}

function checkMembers(members: ZipMemberInput[]): void {
  if (members.length > MAX_ENTRIES) {
    throw new ZipViolation(
      "too-many-entries",
      undefined,
      `cannot zip ${members.length} members (limit ${MAX_ENTRIES})`,
    );
  }
  const seen = new Set<string>();
  let total = 0;
  for (const { name, data } of members) {
    checkMemberName(name);
    const key = duplicateKey(name);
    if (seen.has(key)) throw new ZipViolation("duplicate", name, `duplicate zip member: ${quote(name)}`);
    seen.add(key);
    if (data.length > MAX_MEMBER_BYTES) {
      throw new ZipViolation("too-large", name, `zip member exceeds size limit: ${quote(name)}`);
    }
    total += data.length;
    if (total > MAX_TOTAL_BYTES) {
      throw new ZipViolation("too-large", name, `zip archive would exceed ${MAX_TOTAL_BYTES} bytes`);
    }
    if (isKeyFileName(name)) {
      throw new ZipViolation("private-key", name, `refusing to zip a private key: ${quote(name)}`);
    }
    if (containsPrivateKeyMarker(data)) {
      throw new ZipViolation("private-key", name, `refusing to zip private key material: ${quote(name)}`);
    }
  }
}

interface HeaderFields {
  flags: number;
  time: number;
  date: number;
  crc: number;
  compressedSize: number;
  size: number;
  nameBytes: Uint8Array;
}

/** Writes the fields shared by local and central headers, starting at `at`. */
function setCommon(view: DataView, at: number, h: HeaderFields): void {
  view.setUint16(at, VERSION_NEEDED, true);
  view.setUint16(at + 2, h.flags, true);
  view.setUint16(at + 4, METHOD_DEFLATED, true);
  view.setUint16(at + 6, h.time, true);
  view.setUint16(at + 8, h.date, true);
  view.setUint32(at + 10, h.crc, true);
  view.setUint32(at + 14, h.compressedSize, true);
  view.setUint32(at + 18, h.size, true);
  view.setUint16(at + 22, h.nameBytes.length, true);
}

function localHeader(h: HeaderFields): Uint8Array {
  const out = new Uint8Array(LOCAL_HEADER_SIZE + h.nameBytes.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, LOCAL_HEADER_SIG, true);
  setCommon(view, 4, h);
  out.set(h.nameBytes, LOCAL_HEADER_SIZE);
  return out;
}

function centralHeader(h: HeaderFields, localOffset: number): Uint8Array {
  const out = new Uint8Array(CENTRAL_HEADER_SIZE + h.nameBytes.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, CENTRAL_HEADER_SIG, true);
  view.setUint16(4, VERSION_MADE_BY, true);
  setCommon(view, 6, h);
  view.setUint32(38, EXTERNAL_ATTR, true);
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
