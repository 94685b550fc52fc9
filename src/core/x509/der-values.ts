/**
 * Value readers for DER elements located with {@link readTlv}: OBJECT IDENTIFIER, Time,
 * INTEGER, BOOLEAN and ENUMERATED (X.690 §8). They throw {@link DerError}; the caller wraps it
 * in its own parse error (a CRL's, for instance).
 */
import { DerError, type Tlv } from "./der.ts";

/** The dotted form of an OBJECT IDENTIFIER (X.690 §8.19), with DER's minimal encoding enforced. */
export function readOidValue(bytes: Uint8Array, tlv: Tlv): string {
  if (tlv.tag !== 0x06 || tlv.end === tlv.contentStart) throw new DerError("bad OBJECT IDENTIFIER");
  const arcs: bigint[] = [];
  let value = 0n;
  let fresh = true;
  for (let i = tlv.contentStart; i < tlv.end; i++) {
    const byte = bytes[i]!;
    // DER: no 0x80 padding at the start of a subidentifier, and the last byte ends one.
    if (fresh && byte === 0x80) throw new DerError("bad OBJECT IDENTIFIER");
    value = (value << 7n) | BigInt(byte & 0x7f);
    fresh = (byte & 0x80) === 0;
    if (fresh) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (!fresh) throw new DerError("bad OBJECT IDENTIFIER");
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join(".");
}

/**
 * A UTCTime (YYMMDDHHMMSSZ, years 1950-2049) or a GeneralizedTime (YYYYMMDDHHMMSS[.f]Z), the
 * two `Time` forms of RFC 5280 §4.1.2.5 and §5.1.2.4.
 */
export function readTimeValue(bytes: Uint8Array, tlv: Tlv): Date {
  let text = "";
  for (let i = tlv.contentStart; i < tlv.end; i++) text += String.fromCharCode(bytes[i]!);
  const utc = tlv.tag === 0x17 ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text) : null;
  const general = tlv.tag === 0x18 ? /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d+))?Z$/.exec(text) : null;
  const match = utc ?? general;
  if (!match) throw new DerError(`unsupported time ${JSON.stringify(text)}`);
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
  const date = new Date(0);
  date.setUTCFullYear(utc ? (year! >= 50 ? 1900 : 2000) + year! : year!, month! - 1, day);
  date.setUTCHours(hour!, minute!, second!, general?.[7] ? Number(general[7].slice(0, 3).padEnd(3, "0")) : 0);
  if (
    date.getUTCMonth() !== month! - 1 ||
    date.getUTCDate() !== day ||
    hour! > 23 ||
    minute! > 59 ||
    second! > 59
  )
    throw new DerError(`invalid time ${JSON.stringify(text)}`);
  return date;
}

/** True when `tlv` is a UTCTime or GeneralizedTime (the CHOICE `Time`). */
export function isTime(tlv: Tlv | undefined): tlv is Tlv {
  return tlv !== undefined && (tlv.tag === 0x17 || tlv.tag === 0x18);
}

/**
 * A non-negative INTEGER (tag 0x02) or ENUMERATED (tag 0x0a) as a bigint. Negative values and
 * non-minimal encodings are refused (X.690 §8.3.2).
 */
export function readUnsignedValue(bytes: Uint8Array, tlv: Tlv, tag: 0x02 | 0x0a = 0x02): bigint {
  const what = tag === 0x02 ? "INTEGER" : "ENUMERATED";
  const length = tlv.end - tlv.contentStart;
  if (tlv.tag !== tag || length === 0) throw new DerError(`bad ${what}`);
  const first = bytes[tlv.contentStart]!;
  if (first & 0x80) throw new DerError(`negative ${what}`);
  if (length > 1 && first === 0 && (bytes[tlv.contentStart + 1]! & 0x80) === 0)
    throw new DerError(`non-minimal ${what}`);
  let value = 0n;
  for (let i = tlv.contentStart; i < tlv.end; i++) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

/** A DER BOOLEAN (one content byte, 0x00 or 0xff: X.690 §11.1). */
export function readBooleanValue(bytes: Uint8Array, tlv: Tlv): boolean {
  if (tlv.tag !== 0x01 || tlv.end - tlv.contentStart !== 1) throw new DerError("bad BOOLEAN");
  const byte = bytes[tlv.contentStart]!;
  if (byte !== 0 && byte !== 0xff) throw new DerError("BOOLEAN is neither 00 nor FF");
  return byte === 0xff;
}
