/**
 * `flare-provision/core`: the isomorphic core, for browsers and any other JavaScript runtime
 * with WebCrypto. It works on bytes and plain objects and never touches a file system; the
 * host passes crypto, clock and randomness in `CoreDeps` (`platformDeps()` uses the global
 * WebCrypto and the system clock). No Node built-in is reachable from here: the build bundles
 * this entry for `--platform=browser` and fails if one is.
 *
 * The whole workflow in memory, each step checking its inputs itself:
 * `createRootCa` (Project Admin, once) -> `parseParticipantDefinition` + `buildRequest`
 * (participant) -> `approveRequest` (Project Admin) -> `buildKitFromSignedZip` (participant:
 * `verifySignedZip`, `checkLocalRequest`, then `buildKit`). Every failure is a `FlareError`
 * with a stable `code`, a `message`, a `hint` and the CLI's `exitCode`.
 */

// Approval: verify a request zip and sign it (validation.md §4.3).
export {
  type Approval,
  type ApprovalInputs,
  type ApprovalPlan,
  approveRequest,
  checkRequestZip,
  type MaybeFile,
  planApproval,
  type RequestZipCheck,
  unlockCaKeyPem,
  type VerifiedRequest,
  verifyRequestZip,
} from "./approval/approve-request.ts";
// Zip members by name, with the reference's messages for unsafe archives (validation.md §3).
export { type Members, readRequestZipMembers, readSignedZipMembers } from "./approval/read-zip-members.ts";
// The project root CA (validation.md §4.1).
export { createRootCa, type RootCa, type RootCaParams } from "./ca/create-root-ca.ts";
// The issuance ledger and the CRL (docs/security.md, "The issuance ledger and the CRL").
export { type CrlContents, type CrlRevocation, writeCrl } from "./crl/write-crl.ts";
// What the core needs from its host.
export { type CoreDeps, platformDeps } from "./deps.ts";
// Errors: one type, one catalogue of codes with their exit class and default hint.
export { ERROR_CODES, type ErrorCode, exitCodeFor } from "./errors/codes.ts";
export { FlareError, type FlareErrorOptions, isFlareError } from "./errors/flare-error.ts";
// Structured input files with the reference's messages (`failed to parse yaml <path>: ...`).
export { isMapping, parseJsonObject, parseYamlMapping } from "./inputs/structured.ts";
export { detectFileArtifact } from "./inspect/detect.ts";
// `cert inspect`: facts and per-check results for every artifact of the workflow.
export { type CaDirInput, inspectCaDir } from "./inspect/inspect-ca-dir.ts";
export { inspectCertificate, isRootCertificate } from "./inspect/inspect-certificate.ts";
export { inspectCsr } from "./inspect/inspect-csr.ts";
export { inspectKey } from "./inspect/inspect-key.ts";
export {
  examineKit,
  inspectKit,
  type KitConnection,
  type KitInput as KitFolderInput,
  type KitSummary,
  readKitConnection,
} from "./inspect/inspect-kit.ts";
export { EXPIRY_WARNING_DAYS, inspectKitSet, type KitSetInput } from "./inspect/inspect-kit-set.ts";
export { inspectRequestDir, type RequestDirInput } from "./inspect/inspect-request-dir.ts";
export { inspectRequestZip } from "./inspect/inspect-request-zip.ts";
export { inspectSignedZip } from "./inspect/inspect-signed-zip.ts";
export {
  type ArtifactKind,
  type CheckResult,
  type Facts,
  type FactValue,
  failedChecks,
  type InspectOptions,
  type InspectReport,
} from "./inspect/types.ts";
// Startup kits as virtual trees (startup-kits.md).
export { buildKit, type KitPlan, planKit } from "./kit/build-kit.ts";
export type {
  KitCertType,
  KitFile,
  KitInput,
  KitMode,
  KitTree,
  KitWarning,
  SignedConnection,
} from "./kit/types.ts";
export { appendEntries, type ChainTip, EMPTY_TIP, type LedgerAppend } from "./ledger/append.ts";
export {
  type CertFilter,
  type CertStatus,
  filterCertificates,
  type IssuedCert,
  issuedCertificates,
} from "./ledger/cert-status.ts";
export {
  canonicalJson,
  type EntryFields,
  type IssueFields,
  LEDGER_FILE,
  LEDGER_HEAD_FILE,
  type LedgerEntry,
  type LedgerHead,
  type RevokeFields,
} from "./ledger/entry.ts";
export { type LedgerProblem, type LedgerState, readLedger } from "./ledger/verify-ledger.ts";
// `package` in memory: the signed zip, the local request, then the kit (validation.md §4.4).
export {
  type BuildKitFromSignedZipOptions,
  buildKitFromSignedZip,
  type LocalRequestFiles,
  type VerifiedKit,
} from "./package/build-kit-from-signed-zip.ts";
export {
  checkCertificateChain,
  checkKeyMatchesCertificate,
  checkLocalRequest,
  type LocalRequest,
  type PairedRequest,
  parseLocalRequestJson,
  parseLocalSiteYaml,
} from "./package/check-local-request.ts";
export { serverSecurityWarning } from "./package/consistency.ts";
export { planKitUpdate } from "./package/plan-update.ts";
export {
  checkExpectedFingerprint,
  checkSignedZip,
  type SignedZipCheck,
  type VerifiedApproval,
  verifySignedZip,
} from "./package/verify-signed-zip.ts";
// Participant definitions (`cert request -p`, validation.md §4.2) and project profiles.
export { parseParticipantDefinition } from "./participant/parse-participant.ts";
export type {
  CertType,
  ConnectionSecurity,
  Kind,
  Participant,
  ParticipantDefinition,
  ParticipantType,
  Scheme,
  UserRole,
} from "./participant/types.ts";
export { type ProjectProfile, parseProjectProfile, readProfileName } from "./profile/parse-profile.ts";
// Certificate requests (validation.md §4.2).
export { buildRequest, type RequestBundle } from "./request/build-request.ts";
// Trust at the edges (docs/security.md): request codes, the roster, encrypted root keys, renewal.
export {
  normalizeRequestCode,
  requestCode,
  requestCodeOfZip,
  sameRequestCode,
} from "./request/request-code.ts";
export {
  checkAgainstRoster,
  missingFromRoster,
  parseRoster,
  type Roster,
  type RosterEntry,
} from "./roster/roster.ts";
// Certificates and fingerprints (certificates.md).
export { type ParsedCertificate, parseCertificate } from "./x509/certificate.ts";
export { decryptPrivateKey, encryptPrivateKey, isEncryptedKeyPem } from "./x509/encrypted-key.ts";
export { fingerprintSha256, normalizeFingerprint } from "./x509/fingerprint.ts";
// Zip archives as the reference writes and safely reads them (artifacts.md §12, validation.md §3).
export {
  readZip,
  type ZipEntry,
  type ZipLimits,
  ZipViolation,
  type ZipViolationKind,
} from "./zip/read-zip.ts";
export { type WriteZipOptions, writeZip, type ZipMemberInput } from "./zip/write-zip.ts";
