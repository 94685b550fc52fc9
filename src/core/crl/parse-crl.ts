/**
 * Reader of X.509 v2 certificate revocation lists (RFC 5280 §5), straight from the DER so the
 * signed TBSCertList bytes are exactly the input's. Structure only: whether a CRL may be used
 * (issuer, signature, freshness, unsupported extensions) is verify-crl.ts's job.
 */
import {
  DerError,
  readSingleTlv,
  sequenceChildren,
  type Tlv,
  tlvBytes,
  tlvChildren,
  tlvContent,
} from "../x509/der.ts";
import {
  isTime,
  readBooleanValue,
  readOidValue,
  readTimeValue,
  readUnsignedValue,
} from "../x509/der-values.ts";
import { parseName, type SubjectAttrs } from "../x509/names.ts";
import { decodePem, encodePem, findPemBlocks, PemError } from "../x509/pem.ts";
import { serialToHex } from "../x509/serial.ts";
import { bitStringBytes } from "../x509/signature.ts";

/** The PEM label of a CRL, as OpenSSL writes it (RFC 7468 §6). */
export const CRL_PEM_LABEL = "X509 CRL";

/** OIDs of the CRL and CRL-entry extensions of RFC 5280 §5.2-5.3. */
export const CRL_OID = {
  authorityKeyIdentifier: "2.5.29.35",
  issuerAltName: "2.5.29.18",
  crlNumber: "2.5.29.20",
  deltaCrlIndicator: "2.5.29.27",
  issuingDistributionPoint: "2.5.29.28",
  freshestCrl: "2.5.29.46",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
  reasonCode: "2.5.29.21",
  holdInstructionCode: "2.5.29.23",
  invalidityDate: "2.5.29.24",
  certificateIssuer: "2.5.29.29",
} as const;

/** The CRLReason names of RFC 5280 §5.3.1, by code (7 is unused). */
export const CRL_REASONS: Readonly<Record<number, string>> = {
  0: "unspecified",
  1: "keyCompromise",
  2: "cACompromise",
  3: "affiliationChanged",
  4: "superseded",
  5: "cessationOfOperation",
  6: "certificateHold",
  8: "removeFromCRL",
  9: "privilegeWithdrawn",
  10: "aACompromise",
};

/** One extension as encoded (RFC 5280 §4.1: extnID, critical DEFAULT FALSE, extnValue). */
export interface CrlExtension {
  oid: string;
  critical: boolean;
  /** The DER inside `extnValue`. */
  value: Uint8Array;
}

/** One `revokedCertificates` entry (RFC 5280 §5.1.2.6). */
export interface RevokedEntry {
  /** `"0x"` + lowercase hex without leading zeros, the form `signed.json` uses for serials. */
  serialHex: string;
  revocationDate: Date;
  /** The CRLReason name, when the entry has a reasonCode extension. */
  reason?: string;
  extensions: readonly CrlExtension[];
}

/** The fields of a CRL the commands and the guard look at. */
export interface ParsedCrl {
  /** DER of the whole CertificateList. */
  der: Uint8Array;
  /** Canonical PEM of `der` (`-----BEGIN X509 CRL-----`, 64-character lines, LF). */
  pem: string;
  /** The signed TBSCertList bytes. */
  tbsDer: Uint8Array;
  /** 2 when the version field says v2, 1 when it is absent (RFC 5280 §5.1.2.1). */
  version: 1 | 2;
  /** OID of the `signature` AlgorithmIdentifier inside the TBS. */
  tbsSignatureAlgorithm: string;
  /** OID of the outer signatureAlgorithm; RFC 5280 §5.1.1.2 requires both to match. */
  signatureAlgorithm: string;
  signature: Uint8Array;
  issuer: SubjectAttrs;
  /** The issuer Name exactly as encoded (compared byte for byte with the root's subject). */
  issuerDer: Uint8Array;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** The cRLNumber extension (RFC 5280 §5.2.3), when present. */
  crlNumber?: bigint;
  revoked: readonly RevokedEntry[];
  extensions: readonly CrlExtension[];
}

/** Why bytes are not a CRL; the message says what is wrong and where. */
export class CrlParseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CrlParseError";
  }
}

/**
 * Parses a CRL given as PEM (the first `X509 CRL` block; text around it is ignored) or as
 * DER. Throws {@link CrlParseError} naming what is malformed.
 */
export function parseCrl(input: string | Uint8Array): ParsedCrl {
  const isDer = typeof input !== "string" && input.length > 0 && input[0] === 0x30;
  if (isDer) return parseCrlDer(input);
  let der: Uint8Array;
  try {
    der = decodePem(input, CRL_PEM_LABEL);
  } catch (error) {
    const labels = error instanceof PemError ? safeLabels(input) : [];
    const found = labels.length > 0 ? ` (found ${labels.map((l) => `"${l}"`).join(", ")})` : "";
    throw new CrlParseError(`not a PEM "X509 CRL" block or a DER CRL${found}`, { cause: error });
  }
  return parseCrlDer(der);
}

function safeLabels(input: string | Uint8Array): string[] {
  try {
    return findPemBlocks(input).map((block) => block.label);
  } catch {
    return [];
  }
}

/** Parses a DER CertificateList; see {@link parseCrl}. */
export function parseCrlDer(der: Uint8Array): ParsedCrl {
  try {
    return parseDer(der);
  } catch (error) {
    if (error instanceof CrlParseError) throw error;
    throw new CrlParseError(`malformed CRL: ${(error as Error).message}`, { cause: error });
  }
}

function parseDer(der: Uint8Array): ParsedCrl {
  const outer = sequenceChildren(der, 3, "CertificateList");
  if (outer.length !== 3) throw new DerError("CertificateList must hold exactly three elements");
  const [tbsTlv, algorithmTlv, signatureTlv] = outer as [Tlv, Tlv, Tlv];
  if (tbsTlv.tag !== 0x30) throw new DerError("TBSCertList is not a SEQUENCE");
  const fields = tlvChildren(der, tbsTlv);
  let at = 0;
  let version: 1 | 2 = 1;
  // RFC 5280 §5.1.2.1: version is present (and v2) whenever an extension is; absent means v1.
  if (fields[0]?.tag === 0x02) {
    if (readUnsignedValue(der, fields[0]) !== 1n) throw new DerError("CRL version must be v2 (1)");
    version = 2;
    at = 1;
  }
  const tbsAlgorithm = fields[at++];
  const issuerTlv = fields[at++];
  const thisUpdateTlv = fields[at++];
  if (tbsAlgorithm?.tag !== 0x30 || issuerTlv?.tag !== 0x30 || !isTime(thisUpdateTlv))
    throw new DerError("unexpected TBSCertList layout");
  const parsed: ParsedCrl = {
    der,
    pem: encodePem(CRL_PEM_LABEL, der),
    tbsDer: tlvBytes(der, tbsTlv),
    version,
    tbsSignatureAlgorithm: algorithmOid(der, tbsAlgorithm),
    signatureAlgorithm: algorithmOid(der, algorithmTlv),
    signature: bitStringBytes(der, signatureTlv),
    issuer: parseName(tlvBytes(der, issuerTlv)),
    issuerDer: tlvBytes(der, issuerTlv),
    thisUpdate: readTimeValue(der, thisUpdateTlv),
    revoked: [],
    extensions: [],
  };
  if (isTime(fields[at])) parsed.nextUpdate = readTimeValue(der, fields[at++]!);
  if (fields[at]?.tag === 0x30) parsed.revoked = readRevoked(der, fields[at++]!);
  if (fields[at]?.tag === 0xa0) {
    const [list, ...extra] = tlvChildren(der, fields[at++]!);
    if (!list || extra.length > 0) throw new DerError("bad crlExtensions");
    parsed.extensions = readExtensions(der, list);
  }
  if (at !== fields.length) throw new DerError("unexpected element at the end of TBSCertList");
  if (version === 1 && (parsed.extensions.length > 0 || parsed.revoked.some((e) => e.extensions.length > 0)))
    throw new DerError("a v1 CRL cannot carry extensions (RFC 5280 §5.1.2.1)");
  const number = parsed.extensions.find((e) => e.oid === CRL_OID.crlNumber);
  if (number) parsed.crlNumber = readSingleUnsigned(number.value, 0x02, "cRLNumber");
  return parsed;
}

function algorithmOid(bytes: Uint8Array, tlv: Tlv): string {
  const [oid] = tlv.tag === 0x30 ? tlvChildren(bytes, tlv) : [];
  if (!oid) throw new DerError("bad AlgorithmIdentifier");
  return readOidValue(bytes, oid);
}

function readRevoked(bytes: Uint8Array, list: Tlv): RevokedEntry[] {
  const entries = tlvChildren(bytes, list);
  if (entries.length === 0) throw new DerError("revokedCertificates must be absent rather than empty");
  return entries.map((entry) => {
    const [serialTlv, dateTlv, extensionsTlv, ...extra] = entry.tag === 0x30 ? tlvChildren(bytes, entry) : [];
    if (!serialTlv || !isTime(dateTlv) || extra.length > 0 || (extensionsTlv && extensionsTlv.tag !== 0x30))
      throw new DerError("bad revokedCertificates entry");
    const serial = tlvContent(bytes, serialTlv);
    readUnsignedValue(bytes, serialTlv); // a serial is a positive INTEGER (RFC 5280 §4.1.2.2)
    const revoked: RevokedEntry = {
      serialHex: serialToHex(serial),
      revocationDate: readTimeValue(bytes, dateTlv),
      extensions: extensionsTlv ? readExtensions(bytes, extensionsTlv) : [],
    };
    const reason = revoked.extensions.find((e) => e.oid === CRL_OID.reasonCode);
    if (reason) {
      const code = Number(readSingleUnsigned(reason.value, 0x0a, "reasonCode"));
      const name = CRL_REASONS[code];
      if (!name) throw new DerError(`unknown reasonCode ${code}`);
      revoked.reason = name;
    }
    return revoked;
  });
}

function readExtensions(bytes: Uint8Array, list: Tlv): CrlExtension[] {
  if (list.tag !== 0x30) throw new DerError("bad Extensions");
  const out = tlvChildren(bytes, list).map((extension) => {
    const parts = extension.tag === 0x30 ? tlvChildren(bytes, extension) : [];
    const [oidTlv, middle, last] = parts;
    const valueTlv = parts.length === 3 ? last : middle;
    const criticalTlv = parts.length === 3 ? middle : undefined;
    if (!oidTlv || !valueTlv || parts.length > 3 || valueTlv.tag !== 0x04)
      throw new DerError("bad Extension");
    return {
      oid: readOidValue(bytes, oidTlv),
      critical: criticalTlv ? readBooleanValue(bytes, criticalTlv) : false,
      value: tlvContent(bytes, valueTlv),
    };
  });
  const seen = new Set<string>();
  for (const extension of out) {
    // RFC 5280 §4.2: an extension appears at most once.
    if (seen.has(extension.oid)) throw new DerError(`extension ${extension.oid} appears twice`);
    seen.add(extension.oid);
  }
  return out;
}

function readSingleUnsigned(value: Uint8Array, tag: 0x02 | 0x0a, what: string): bigint {
  try {
    return readUnsignedValue(value, readSingleTlv(value), tag);
  } catch (error) {
    throw new DerError(`bad ${what}: ${(error as Error).message}`);
  }
}
