/** The X.509 and signature layer: keys, CSRs, certificates, fingerprints, PSS signatures. */
export {
  type CertificateExtension,
  CertificateParseError,
  type ParsedCertificate,
  parseCertificate,
  parseCertificateDer,
  verifyCertificateSignature,
} from "./certificate.ts";
export { buildCsr, CsrParseError, type CsrSubject, type ParsedCsr, parseCsr } from "./csr.ts";
export { fingerprintSha256, normalizeFingerprint, spkiSha256 } from "./fingerprint.ts";
export {
  CERT_TYPES,
  CertificateIssueError,
  type CertType,
  type IssuingCa,
  isIpv4,
  issueLeafCertificate,
  issueRootCertificate,
  type LeafCertificateParams,
  type RootCertificateParams,
  type SubjectAltName,
  serverSubjectAltNames,
  signingCaProblem,
} from "./issue.ts";
export {
  KEY_POLICY_TEXT,
  MIN_RSA_BITS,
  RSA_PUBLIC_EXPONENT,
  type RsaKeyFacts,
  rsaKeyFacts,
  rsaKeyPolicyProblem,
} from "./key-policy.ts";
export {
  generateRsaKeyPair,
  importRsaPublicKey,
  KeyLoadError,
  type LoadedPrivateKey,
  parsePrivateKeyPem,
  type RsaKeyPair,
  type SigningKey,
} from "./keys.ts";
export { OID, SIGNER_UNIQUE_OIDS, type SubjectAttribute, SubjectAttrs } from "./names.ts";
export {
  decodePem,
  encodePem,
  findPemBlocks,
  type PemBlock,
  PemError,
  textOutsidePemBlocks,
} from "./pem.ts";
export { maxPssSaltLength, signPss, verifyPss } from "./pss.ts";
export { randomSerial, serialToHex } from "./serial.ts";
export { parseCaCertificateFile, parseSoleCertificate } from "./sole-certificate.ts";
