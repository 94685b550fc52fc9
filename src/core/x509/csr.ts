import { CertificationRequest } from "@peculiar/asn1-csr";
import { AsnConvert } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import type { CoreDeps } from "../deps.ts";
import { derSequence, sequenceChildren, tlvBytes, tlvChildren, tlvContent } from "./der.ts";
import { OID_RSA_ENCRYPTION, type SigningKey } from "./keys.ts";
import { encodeUtf8Name, OID, parseName, type SubjectAttrs } from "./names.ts";
import { decodePem, encodePem } from "./pem.ts";
import { bitStringBytes, pkcs1HashFor, signEnvelope, verifyPkcs1 } from "./signature.ts";

/** The identity a participant proposes in its CSR (certificates.md §2). */
export interface CsrSubject {
  /** CN: the participant name (the caller truncates a server name to 64 characters). */
  commonName: string;
  /** O: the participant's organization. */
  org: string;
  /** unstructuredName: the proposed certificate type (`server`, `client`, `org_admin`, …). */
  certType: string;
}

/** What approve needs from a CSR (validation.md §4.3 rows 19b-19c). */
export interface ParsedCsr {
  /** The DER of the whole request. */
  der: Uint8Array;
  /** Every subject attribute in order, with first-CN/O/unstructuredName accessors. */
  subject: SubjectAttrs;
  /** The subject Name exactly as encoded in the request. */
  subjectDer: Uint8Array;
  /** The SubjectPublicKeyInfo exactly as encoded in the request (certificates.md §6). */
  spkiDer: Uint8Array;
  /** OID of the request's signature algorithm. */
  signatureAlgorithm: string;
  /** Whether the self-signature verifies with the request's own public key. */
  signatureValid: boolean;
}

/**
 * Why a CSR could not be read; the caller reports `INVALID_CSR` (validation.md §4.3 row 19b).
 * Unsupported but well-formed requests (non-RSA key, non-PKCS#1 signature) also land here.
 */
export class CsrParseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CsrParseError";
  }
}

const CSR_LABELS = ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"];

/**
 * Builds and signs a PKCS#10 request exactly as certificates.md §2 describes: version 0,
 * subject `CN`, `O`, `unstructuredName` as three single-attribute UTF8String RDNs, an empty
 * `[0]` attribute set, sha256WithRSAEncryption. Returns the PEM text (LF, trailing newline).
 */
export async function buildCsr(
  subject: CsrSubject,
  keys: SigningKey,
  deps: Pick<CoreDeps, "crypto">,
): Promise<string> {
  const name = encodeUtf8Name([
    { oid: OID.commonName, value: subject.commonName },
    { oid: OID.organizationName, value: subject.org },
    { oid: OID.unstructuredName, value: subject.certType },
  ]);
  // CertificationRequestInfo: version 0, subject, SPKI, attributes [0] IMPLICIT SET (empty).
  const info = derSequence(Uint8Array.of(0x02, 0x01, 0x00), name, keys.spkiDer, Uint8Array.of(0xa0, 0x00));
  return encodePem("CERTIFICATE REQUEST", await signEnvelope(info, keys.privateKey, deps));
}

/**
 * Parses a PEM CSR and checks its self-signature (PKCS#1 v1.5 with SHA-1/256/384/512).
 * Throws {@link CsrParseError} for anything unparsable, a non-RSA key or another
 * signature scheme; a parsable request with a bad signature returns `signatureValid: false`.
 */
export async function parseCsr(pem: string | Uint8Array, deps: Pick<CoreDeps, "crypto">): Promise<ParsedCsr> {
  let der: Uint8Array;
  let parts: ReturnType<typeof locateParts>;
  try {
    der = decodePem(pem, CSR_LABELS);
    parts = locateParts(der);
  } catch (err) {
    if (err instanceof CsrParseError) throw err;
    throw new CsrParseError(`malformed certificate request: ${(err as Error).message}`, { cause: err });
  }
  const { info, subjectDer, spkiDer, signatureAlgorithm, signature } = parts;
  let subject: SubjectAttrs;
  let keyAlgorithm: string;
  try {
    subject = parseName(subjectDer);
    keyAlgorithm = AsnConvert.parse(spkiDer, SubjectPublicKeyInfo).algorithm.algorithm;
  } catch (err) {
    throw new CsrParseError(`malformed certificate request: ${(err as Error).message}`, { cause: err });
  }
  // certificates.md §1: the TS approver may restrict CSRs to RSA keys.
  if (keyAlgorithm !== OID_RSA_ENCRYPTION) {
    throw new CsrParseError(
      `unsupported CSR public key algorithm ${keyAlgorithm}; only RSA keys are accepted`,
    );
  }
  if (!pkcs1HashFor(signatureAlgorithm)) {
    throw new CsrParseError(`unsupported CSR signature algorithm ${signatureAlgorithm}`);
  }
  const signatureValid = await verifyPkcs1(signatureAlgorithm, signature, info, spkiDer, deps);
  return { der, subject, subjectDer, spkiDer, signatureAlgorithm, signatureValid };
}

function locateParts(der: Uint8Array) {
  const [infoTlv, , sigTlv] = sequenceChildren(der, 3, "certificate request");
  const infoChildren = tlvChildren(der, infoTlv!);
  const [versionTlv, subjectTlv, spkiTlv] = infoChildren;
  if (
    infoChildren.length < 3 ||
    versionTlv!.tag !== 0x02 ||
    subjectTlv!.tag !== 0x30 ||
    spkiTlv!.tag !== 0x30
  ) {
    throw new CsrParseError("malformed certificate request: unexpected CertificationRequestInfo layout");
  }
  const version = tlvContent(der, versionTlv!);
  if (version.length !== 1 || version[0] !== 0) {
    throw new CsrParseError("malformed certificate request: unsupported version");
  }
  // The typed parse checks the rest of the structure (attributes, algorithm identifier).
  const typed = AsnConvert.parse(der, CertificationRequest);
  return {
    info: tlvBytes(der, infoTlv!),
    subjectDer: tlvBytes(der, subjectTlv!),
    spkiDer: tlvBytes(der, spkiTlv!),
    signatureAlgorithm: typed.signatureAlgorithm.algorithm,
    signature: bitStringBytes(der, sigTlv!),
  };
}
