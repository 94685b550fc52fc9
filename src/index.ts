/**
 * flare-provision as a library. The Node functions are the CLI commands without printing;
 * the core functions are pure and run in browsers too.
 */

export { approveRequest, planApproval, verifyRequestZip } from "./core/approval/approve-request.ts";
export { createRootCa } from "./core/ca/create-root-ca.ts";
export { type CoreDeps, platformDeps } from "./core/deps.ts";
export { ERROR_CODES, type ErrorCode } from "./core/errors/codes.ts";
export { FlareError } from "./core/errors/flare-error.ts";
export { buildKit } from "./core/kit/build-kit.ts";
export { verifySignedZip } from "./core/package/verify-signed-zip.ts";
export { buildRequest } from "./core/request/build-request.ts";
export {
  type ApproveBatchOptions,
  type ApproveBatchResult,
  approveBatch,
  expandRequestZips,
} from "./node/approve-batch.ts";
export { type ApproveCertOptions, type ApproveCertResult, approveCert } from "./node/approve-cert.ts";
export { type InitCaOptions, type InitCaResult, initCa } from "./node/init-ca.ts";
export { type InspectPathOptions, type InspectPathResult, inspectPath } from "./node/inspect.ts";
export type { NodeEnv } from "./node/node-env.ts";
export { type PackageOptions, type PackageResult, packageSignedZip } from "./node/package-kit.ts";
export { type RequestCertOptions, type RequestCertResult, requestCert } from "./node/request-cert.ts";
