/**
 * Everything the browser front end takes from the core, in one place, so that switching to
 * the core's own browser entry later changes this file only. Only pure, isomorphic modules
 * are imported here: no Node built-in may reach the page bundle (scripts/build.mjs checks).
 */
export {
  type Approval,
  type ApprovalInputs,
  approveRequest,
  type MaybeFile,
  unlockCaKeyPem,
} from "../core/approval/approve-request.ts";
export { fromUtf8, utf8 } from "../core/bytes/encoding.ts";
export { type CaFolderPlan, type FolderFile, planCaFolder } from "../core/ca/plan-ca-folder.ts";
export { type CoreDeps, platformDeps } from "../core/deps.ts";
export { FlareError, invalidArgs } from "../core/errors/flare-error.ts";
export { parseYamlMapping } from "../core/inputs/structured.ts";
export { inspectCaDir } from "../core/inspect/inspect-ca-dir.ts";
export { inspectKit } from "../core/inspect/inspect-kit.ts";
export { inspectRequestDir } from "../core/inspect/inspect-request-dir.ts";
export { inspectRequestZip } from "../core/inspect/inspect-request-zip.ts";
export { inspectSignedZip } from "../core/inspect/inspect-signed-zip.ts";
export { type CheckResult, failedChecks, type InspectReport } from "../core/inspect/types.ts";
export type { KitTree } from "../core/kit/types.ts";
export { type PackagePlan, planPackage, type RequestFolderInput } from "../core/package/plan-package.ts";
export { parseParticipantDefinition } from "../core/participant/parse-participant.ts";
export type { ParticipantDefinition } from "../core/participant/types.ts";
export { type ProjectProfile, parseProjectProfile } from "../core/profile/parse-profile.ts";
export { buildRequest, type RequestBundle } from "../core/request/build-request.ts";
export { PRIVATE_README, privateFolderReadme, requestFolderFiles } from "../core/request/request-folder.ts";
export { normalizeFingerprint } from "../core/x509/fingerprint.ts";
export { dumpYaml } from "../core/yaml/dump-yaml.ts";
export { type ArchiveFile, readArchive } from "../core/zip/read-archive.ts";
export { type ArchiveEntry, writeArchive } from "../core/zip/write-archive.ts";
export { ZipViolation } from "../core/zip/zip-format.ts";
