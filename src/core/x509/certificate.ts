import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_subjectKeyIdentifier,
  SubjectKeyIdentifier,
} from "@peculiar/asn1-x509";
import { toHex } from "../bytes/encoding.ts";
import type { CoreDeps } from "../deps.ts";
import { sequenceChildren, tlvBytes, tlvChildren, tlvContent } from "./der.ts";
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
  importPublicKey(deps: Pick<CoreDeps, "crypto">, scheme?: "pkcs1" | "pss"): Promise<CryptoKey>;
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
  const [tbsTlv, , signatureTlv] = sequenceChildren(der, 3, "certificate");
  const fields = tlvChildren(der, tbsTlv!);
  // TBSCertificate: [0] version (absent for v1), serial, signature, issuer, validity, subject, SPKI, ...
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const [serialTlv, , issuerTlv, , subjectTlv, spkiTlv] = fields.slice(offset);
  if (!spkiTlv || serialTlv!.tag !== 0x02 || issuerTlv!.tag !== 0x30 || subjectTlv!.tag !== 0x30) {
    throw new CertificateParseError("malformed certificate: unexpected TBSCertificate layout");
  }
  const typed = AsnConvert.parse(der, Certificate);
  const tbs = typed.tbsCertificate;
  // Array.from: mapping the asn1-schema array would produce another Extensions instance.
  const extensions: CertificateExtension[] = Array.from(tbs.extensions ?? [], (e) => ({
    oid: e.extnID,
    critical: e.critical,
    value: new Uint8Array(e.extnValue.buffer),
  }));
  const find = (oid: string) => extensions.find((e) => e.oid === oid)?.value;

  const bc = find(id_ce_basicConstraints);
  const ski = find(id_ce_subjectKeyIdentifier);
  const aki = find(id_ce_authorityKeyIdentifier);
  const akiKeyId = aki ? AsnConvert.parse(aki, AuthorityKeyIdentifier).keyIdentifier : undefined;
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
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    spkiDer,
    isCa: bc ? AsnConvert.parse(bc, BasicConstraints).cA : undefined,
    extensions,
    signatureAlgorithm: typed.signatureAlgorithm.algorithm,
    signature: bitStringBytes(der, signatureTlv!),
    importPublicKey: (deps, scheme = "pkcs1") => importRsaPublicKey(spkiDer, deps, scheme),
  };
  if (ski) parsed.skiHex = toHex(new Uint8Array(AsnConvert.parse(ski, SubjectKeyIdentifier).buffer));
  if (akiKeyId) parsed.akiKeyIdHex = toHex(new Uint8Array(akiKeyId.buffer));
  return parsed;
}
