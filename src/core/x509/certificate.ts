import { toHex } from "../bytes/encoding.ts";
import type { CoreDeps, WebCryptoKey } from "../deps.ts";
import { readSingleTlv, sequenceChildren, type Tlv, tlvBytes, tlvChildren, tlvContent } from "./der.ts";
import { importRsaPublicKey } from "./keys.ts";
import { parseName, type SubjectAttrs } from "./names.ts";
import { decodePem, encodePem } from "./pem.ts";
import { serialToHex } from "./serial.ts";
import { bitStringBytes, verifyPkcs1 } from "./signature.ts";

/** One certificate extension as encoded. */
export interface CertificateExtension {
  /** Dotted extension OID. */
  oid: string;
  /** The criticality flag (absent = false). */
  critical: boolean;
  /** The DER inside `extnValue`. */
  value: Uint8Array;
}

/** The fields of an X.509 certificate the commands look at. */
export interface ParsedCertificate {
  /** DER of the whole certificate (what the SHA-256 fingerprint covers, certificates.md §7). */
  der: Uint8Array;
  /** Canonical PEM of `der` (64-character lines, LF); not necessarily the input's bytes. */
  pem: string;
  /** The signed TBSCertificate bytes. */
  tbsDer: Uint8Array;
  /** Subject attributes in order. */
  subject: SubjectAttrs;
  /** Issuer attributes in order. */
  issuer: SubjectAttrs;
  /** The subject Name exactly as encoded. */
  subjectDer: Uint8Array;
  /** The issuer Name exactly as encoded. */
  issuerDer: Uint8Array;
  /** Serial as `"0x"` + lowercase hex without leading zeros (artifacts.md §9.1). */
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  /** The SubjectPublicKeyInfo exactly as encoded (certificates.md §6). */
  spkiDer: Uint8Array;
  /** BasicConstraints cA; `undefined` when the extension is absent. */
  isCa: boolean | undefined;
  /** Lowercase hex of the SubjectKeyIdentifier, if present. */
  skiHex?: string;
  /** Lowercase hex of the AuthorityKeyIdentifier keyIdentifier, if present. */
  akiKeyIdHex?: string;
  /** Every extension, in certificate order. */
  extensions: readonly CertificateExtension[];
  /** OID of the outer signature algorithm. */
  signatureAlgorithm: string;
  /** The signature bytes. */
  signature: Uint8Array;
  /** Imports the certificate's RSA public key for PKCS#1 v1.5 (default) or PSS verification. */
  importPublicKey(deps: Pick<CoreDeps, "crypto">, scheme?: "pkcs1" | "pss"): Promise<WebCryptoKey>;
}

/**
 * Why a certificate could not be read. The caller picks the code (`CA_LOAD_FAILED`,
 * `INVALID_SIGNED_ZIP`, `ROOTCA_LOAD_FAILED`, …) — see validation.md §4.3 row 22, §4.4 row 16.
 */
export class CertificateParseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CertificateParseError";
  }
}

/**
 * Parses the first `CERTIFICATE` block of PEM text or bytes (text around it is ignored).
 * Throws {@link CertificateParseError} with the reason.
 */
export function parseCertificate(pem: string | Uint8Array): ParsedCertificate {
  let der: Uint8Array;
  try {
    der = decodePem(pem, "CERTIFICATE");
  } catch (err) {
    throw new CertificateParseError((err as Error).message, { cause: err });
  }
  return parseCertificateDer(der);
}

/** Parses a DER certificate; see {@link parseCertificate}. */
export function parseCertificateDer(der: Uint8Array): ParsedCertificate {
  try {
    return parseDer(der);
  } catch (err) {
    if (err instanceof CertificateParseError) throw err;
    throw new CertificateParseError(`malformed certificate: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Whether `issuer`'s public key verifies `cert`'s signature over its TBS bytes with
 * PKCS#1 v1.5 and the certificate's hash (SHA-256 for everything we issue) — the only
 * chain check `package` performs (certificates.md §9, validation.md §4.4 row 26).
 * False for a wrong signature, an unsupported algorithm or a non-RSA issuer key.
 */
export async function verifyCertificateSignature(
  cert: ParsedCertificate,
  issuer: ParsedCertificate,
  deps: Pick<CoreDeps, "crypto">,
): Promise<boolean> {
  return verifyPkcs1(cert.signatureAlgorithm, cert.signature, cert.tbsDer, issuer.spkiDer, deps);
}

function parseDer(der: Uint8Array): ParsedCertificate {
  const [tbsTlv, outerAlgorithmTlv, signatureTlv] = sequenceChildren(der, 3, "certificate");
  const fields = tlvChildren(der, tbsTlv!);
  // TBSCertificate: [0] version (absent for v1), serial, signature, issuer, validity, subject, SPKI, ...
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const [serialTlv, , issuerTlv, validityTlv, subjectTlv, spkiTlv, ...rest] = fields.slice(offset);
  if (
    !spkiTlv ||
    serialTlv!.tag !== 0x02 ||
    issuerTlv!.tag !== 0x30 ||
    validityTlv!.tag !== 0x30 ||
    subjectTlv!.tag !== 0x30 ||
    spkiTlv.tag !== 0x30
  ) {
    throw new CertificateParseError("malformed certificate: unexpected TBSCertificate layout");
  }
  // The fields are read straight from the DER (RFC 5280 §4.1) rather than through
  // @peculiar/asn1-x509's schema parser: that parser was most of the cost of a parse, and of
  // a cold `cert approve` / `package` (BENCHMARKS.md).
  const extensions = readExtensions(der, rest);
  const find = (oid: string) => extensions.find((e) => e.oid === oid)?.value;
  const [notBeforeTlv, notAfterTlv, ...extraTimes] = tlvChildren(der, validityTlv!);
  if (!notAfterTlv || extraTimes.length > 0)
    throw new CertificateParseError("malformed certificate: Validity must hold two times");
  const [algorithmTlv] = tlvChildren(der, outerAlgorithmTlv!);
  if (outerAlgorithmTlv!.tag !== 0x30 || algorithmTlv?.tag !== 0x06)
    throw new CertificateParseError("malformed certificate: bad signatureAlgorithm");

  const bc = find(OID_BASIC_CONSTRAINTS);
  const ski = find(OID_SUBJECT_KEY_IDENTIFIER);
  const aki = find(OID_AUTHORITY_KEY_IDENTIFIER);
  const spkiDer = tlvBytes(der, spkiTlv);

  const parsed: ParsedCertificate = {
    der,
    pem: encodePem("CERTIFICATE", der),
    tbsDer: tlvBytes(der, tbsTlv!),
    subject: parseName(tlvBytes(der, subjectTlv!)),
    issuer: parseName(tlvBytes(der, issuerTlv!)),
    subjectDer: tlvBytes(der, subjectTlv!),
    issuerDer: tlvBytes(der, issuerTlv!),
    serialHex: serialToHex(tlvContent(der, serialTlv!)),
    notBefore: readTime(der, notBeforeTlv!),
    notAfter: readTime(der, notAfterTlv),
    spkiDer,
    isCa: bc ? readBasicConstraintsCa(bc) : undefined,
    extensions,
    signatureAlgorithm: readOid(der, algorithmTlv),
    signature: bitStringBytes(der, signatureTlv!),
    importPublicKey: (deps, scheme = "pkcs1") => importRsaPublicKey(spkiDer, deps, scheme),
  };
  if (ski) parsed.skiHex = toHex(octetString(ski, "SubjectKeyIdentifier"));
  const akiKeyId = aki ? readAuthorityKeyId(aki) : undefined;
  if (akiKeyId) parsed.akiKeyIdHex = toHex(akiKeyId);
  return parsed;
}

const OID_SUBJECT_KEY_IDENTIFIER = "2.5.29.14";
const OID_BASIC_CONSTRAINTS = "2.5.29.19";
const OID_AUTHORITY_KEY_IDENTIFIER = "2.5.29.35";

function malformed(what: string): CertificateParseError {
  return new CertificateParseError(`malformed certificate: ${what}`);
}

/** The dotted form of an OBJECT IDENTIFIER's content (X.690 §8.19). */
function readOid(bytes: Uint8Array, tlv: Tlv): string {
  if (tlv.tag !== 0x06 || tlv.end === tlv.contentStart) throw malformed("bad OBJECT IDENTIFIER");
  const arcs: bigint[] = [];
  let value = 0n;
  let fresh = true;
  for (let i = tlv.contentStart; i < tlv.end; i++) {
    const byte = bytes[i]!;
    // DER: no 0x80 padding at the start of a subidentifier, and the last byte ends one.
    if (fresh && byte === 0x80) throw malformed("bad OBJECT IDENTIFIER");
    value = (value << 7n) | BigInt(byte & 0x7f);
    fresh = (byte & 0x80) === 0;
    if (fresh) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (!fresh) throw malformed("bad OBJECT IDENTIFIER");
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join(".");
}

/** A UTCTime (YYMMDDHHMMSSZ, years 1950-2049) or a GeneralizedTime (RFC 5280 §4.1.2.5). */
function readTime(bytes: Uint8Array, tlv: Tlv): Date {
  let text = "";
  for (let i = tlv.contentStart; i < tlv.end; i++) text += String.fromCharCode(bytes[i]!);
  const utc = tlv.tag === 0x17 ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text) : null;
  const general = tlv.tag === 0x18 ? /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d+))?Z$/.exec(text) : null;
  const match = utc ?? general;
  if (!match) throw malformed(`unsupported time ${JSON.stringify(text)}`);
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
  const date = new Date(0);
  date.setUTCFullYear(utc ? (year! >= 50 ? 1900 : 2000) + year! : year!, month! - 1, day);
  date.setUTCHours(hour!, minute!, second!, general?.[7] ? Number(general[7].slice(0, 3).padEnd(3, "0")) : 0);
  return date;
}

/** The `[3] Extensions` after the SubjectPublicKeyInfo, if any (RFC 5280 §4.1). */
function readExtensions(bytes: Uint8Array, rest: Tlv[]): CertificateExtension[] {
  // Optional issuerUniqueID [1] and subjectUniqueID [2] come first; nothing may follow [3].
  const trailing = rest.filter(
    (tlv) => tlv.tag !== 0x81 && tlv.tag !== 0x82 && tlv.tag !== 0xa1 && tlv.tag !== 0xa2,
  );
  if (trailing.length === 0) return [];
  const [wrapper, ...after] = trailing;
  if (wrapper!.tag !== 0xa3 || after.length > 0)
    throw malformed("unexpected element after SubjectPublicKeyInfo");
  const [list, ...more] = tlvChildren(bytes, wrapper!);
  if (list?.tag !== 0x30 || more.length > 0) throw malformed("bad Extensions");
  return tlvChildren(bytes, list).map((extension) => {
    const parts = extension.tag === 0x30 ? tlvChildren(bytes, extension) : [];
    const [oidTlv, middle, last] = parts;
    const valueTlv = parts.length === 3 ? last : middle;
    const criticalTlv = parts.length === 3 ? middle : undefined;
    if (!oidTlv || !valueTlv || parts.length > 3 || valueTlv.tag !== 0x04) throw malformed("bad Extension");
    if (criticalTlv && (criticalTlv.tag !== 0x01 || criticalTlv.end - criticalTlv.contentStart !== 1))
      throw malformed("bad Extension criticality");
    return {
      oid: readOid(bytes, oidTlv),
      critical: criticalTlv ? bytes[criticalTlv.contentStart] !== 0 : false,
      value: tlvContent(bytes, valueTlv),
    };
  });
}

/** The content of a DER OCTET STRING that spans all of `value`. */
function octetString(value: Uint8Array, what: string): Uint8Array {
  const tlv = readSingleTlv(value);
  if (tlv.tag !== 0x04) throw malformed(`bad ${what}`);
  return tlvContent(value, tlv);
}

/** BasicConstraints `cA` (RFC 5280 §4.2.1.9), DEFAULT FALSE. */
function readBasicConstraintsCa(value: Uint8Array): boolean {
  const [first] = sequenceChildren(value, 0, "BasicConstraints");
  if (first?.tag !== 0x01) return false;
  if (first.end - first.contentStart !== 1) throw malformed("bad BasicConstraints");
  return value[first.contentStart] !== 0;
}

/** AuthorityKeyIdentifier `[0] keyIdentifier` (RFC 5280 §4.2.1.1), if present. */
function readAuthorityKeyId(value: Uint8Array): Uint8Array | undefined {
  const [first] = sequenceChildren(value, 0, "AuthorityKeyIdentifier");
  return first?.tag === 0x80 ? tlvContent(value, first) : undefined;
}
