/**
 * flare-provision as a library. The Node functions are the CLI commands without printing
 * (they read and write files like the commands); the core functions, re-exported from
 * `flare-provision/core`, are pure, work on bytes and run in browsers too.
 */

// The isomorphic core, also importable on its own as `flare-provision/core`.
export * from "./core/index.ts";
export {
  type ApproveBatchOptions,
  type ApproveBatchResult,
  approveBatch,
  expandRequestZips,
} from "./node/approve-batch.ts";
export { type ApproveCertOptions, type ApproveCertResult, approveCert } from "./node/approve-cert.ts";
export { type CaKeyOptions, type CaKeyResult, decryptCaKey, encryptCaKey } from "./node/ca-key.ts";
export {
  listCaCertificates,
  type RevokeOptions,
  type RevokeResult,
  revokeCertificates,
  verifyCaLedger,
} from "./node/ca-ledger.ts";
export { type InitCaOptions, type InitCaResult, initCa } from "./node/init-ca.ts";
export { type InspectPathOptions, type InspectPathResult, inspectPath } from "./node/inspect.ts";
export type { NodeEnv } from "./node/node-env.ts";
export { type PackageOptions, type PackageResult, packageSignedZip } from "./node/package-kit.ts";
export { type PassphraseSource, passphraseSource } from "./node/passphrase.ts";
export { type RequestCertOptions, type RequestCertResult, requestCert } from "./node/request-cert.ts";
