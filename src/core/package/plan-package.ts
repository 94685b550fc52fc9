import { utf8 } from "../bytes/encoding.ts";
import type { FolderFile } from "../ca/plan-ca-folder.ts";
import type { CoreDeps } from "../deps.ts";
import { FlareError } from "../errors/flare-error.ts";
import { isMapping } from "../inputs/structured.ts";
import { dumpJson } from "../json/dump-json.ts";
import { parseJson } from "../json/parse-json.ts";
import { planWithoutExternal } from "../kit/build-kit.ts";
import { resolveBuilders } from "../kit/builders.ts";
import type { KitCertType, KitFile, KitTree } from "../kit/types.ts";
import { checkLocalRequest, type PairedRequest } from "./check-local-request.ts";
import { serverSecurityWarning } from "./consistency.ts";
import { checkPackageCrls } from "./package-crl.ts";
import { type VerifiedApproval, verifySignedZip } from "./verify-signed-zip.ts";

/** A request folder the caller holds in memory: its files by their path inside the folder. */
export interface RequestFolderInput {
  /** The folder as it should appear in messages (`hospital-a`). */
  label: string;
  /** `<name>.key`, `request.json`, `site.yaml`, ... keyed by relative POSIX path. */
  files: ReadonlyMap<string, Uint8Array>;
}

/** Inputs of {@link planPackage}, as `package`'s arguments name them. */
export interface PackageInput {
  /** The signed zip and its file name (`<name>.signed.zip`), which names it in messages. */
  signedZip: { name: string; bytes: Uint8Array };
  /** `--fingerprint`: the root fingerprint shared out of band, any accepted spelling. */
  fingerprint?: string | undefined;
  /** `--request-dir`: the local request folder; absent = none was given. */
  requestFolder?: RequestFolderInput | undefined;
}

/** A startup kit planned in memory, with what `package` reports and prints. */
export interface PackagePlan {
  approval: VerifiedApproval;
  paired: PairedRequest;
  /** The kit, relative to {@link PackagePlan.kitPath}. */
  tree: KitTree;
  /** `<project>/prod_<NN>/<name>`: where `package` puts the kit under its workspace. */
  kitPath: string;
  /**
   * Files for the `prod_<NN>` folder itself (DockerBuilder's compose.yaml, .env,
   * nvflare_compose/), relative to it; `package` adds each top-level entry only where none exists.
   */
  prodFiles: Map<string, KitFile>;
  /** `package`'s warning lines, in its order and words (fingerprint, connection security, connect_to). */
  warnings: string[];
  /** What `package` copies into the request folder once the kit is written (artifacts.md §10). */
  requestFolderCopies: FolderFile[];
}

/**
 * `package` without a file system (validation.md §4.4): the same checks in the same order with
 * the same codes. The input name must end in `.signed.zip`; the signed zip is verified (with
 * the fingerprint when given); the request folder must be given, hold `<name>.key` and
 * request.json, and carry the signed request id (cli.md §6, the `--request-dir` rules); then
 * the local request is paired with the approval and the kit is rendered. Nothing is written:
 * the caller stores `tree` under `kitPath` and may add `requestFolderCopies` to the folder.
 */
export async function planPackage(input: PackageInput, deps: CoreDeps): Promise<PackagePlan> {
  const label = input.signedZip.name;
  if (!label.toLowerCase().endsWith(".signed.zip")) {
    throw new FlareError("INVALID_ARGS", {
      message: `Unsupported package input: ${label}.`,
      hint: "Provide a .signed.zip file produced by 'nvflare cert approve'.",
    });
  }
  const approval = await verifySignedZip(
    input.signedZip.bytes,
    { label, expectedFingerprint: input.fingerprint },
    deps,
  );
  const warnings: string[] = [];
  if (input.fingerprint === undefined) {
    warnings.push(
      "Warning: Root CA SHA256 fingerprint was not verified. Use --fingerprint to verify it out-of-band.",
    );
  }
  // A certificate the signed zip's own CRL lists is refused (package-crl.ts).
  await checkPackageCrls(approval, label, undefined, deps);
  const folder = checkRequestFolder(approval, input.requestFolder);
  const keyPath = `${folder.label}/${approval.name}.key`;
  const paired = await checkLocalRequest(
    approval,
    {
      keyPem: folder.files.get(`${approval.name}.key`) as Uint8Array,
      keyPath,
      requestJson: folder.files.get("request.json"),
      siteYaml: folder.files.get("site.yaml"),
    },
    deps,
  );
  const customCaCert = readCustomCa(paired.participant.custom_ca_cert, folder);
  // Without a working directory, DockerBuilder's requirements_file is looked up in the folder.
  const requirementsFile = resolveBuilders(paired.builders).docker?.requirementsFile;
  const dockerRequirements =
    requirementsFile === undefined ? undefined : folder.files.get(requirementsFile.replace(/^\.\//, ""));
  const plan = planWithoutExternal({
    project: paired.project,
    name: approval.name,
    org: approval.org,
    certType: approval.certType as KitCertType,
    participant: paired.participant,
    builders: paired.builders,
    signed: {
      scheme: approval.scheme,
      defaultConnectionSecurity: approval.defaultConnectionSecurity,
      server: approval.server,
    },
    certPem: approval.certPem,
    keyPem: folder.files.get(`${approval.name}.key`) as Uint8Array,
    rootCaPem: approval.rootPem,
    ...(customCaCert ? { customCaCert } : {}),
    ...(dockerRequirements ? { dockerRequirements } : {}),
  });
  const securityWarning = serverSecurityWarning({
    certType: approval.certType,
    localOverride: paired.participant.connection_security,
    projectDefault: approval.defaultConnectionSecurity,
  });
  if (securityWarning) warnings.push(securityWarning);
  const connectTo = paired.participant.connect_to;
  if (
    approval.certType !== "server" &&
    isMapping(connectTo) &&
    typeof connectTo.host === "string" &&
    connectTo.host !== approval.server.host
  ) {
    warnings.push(
      `WARNING: connect_to.host '${connectTo.host}' in ${approval.name} may be invalid: it is not the approved server host '${approval.server.host}' named in the server certificate.`,
    );
  }
  for (const warning of plan.warnings) warnings.push(warning.message);
  const signedCopy = dumpJson(parseJson(approval.signedJsonBytes, "signed.json"), { indent: 2 });
  return {
    approval,
    paired,
    tree: plan.tree,
    prodFiles: plan.prodFiles,
    // validation.md §1: the kit lands under the project name truncated to 63 characters.
    kitPath: `${paired.project.slice(0, 63)}/prod_${approval.provisionVersion}/${approval.name}`,
    warnings,
    requestFolderCopies: [
      { name: "signed.json", bytes: utf8(signedCopy), mode: 0o644 },
      { name: `${approval.name}.crt`, bytes: approval.certPem, mode: 0o644 },
      { name: "rootCA.pem", bytes: approval.rootPem, mode: 0o644 },
    ],
  };
}

/**
 * cli.md §6 for an explicit `--request-dir`, in memory: a folder was given
 * (`REQUEST_DIR_NOT_FOUND`), it holds `<name>.key` and request.json (`REQUEST_DIR_INCOMPLETE`)
 * and request.json carries the signed request id (`REQUEST_DIR_MISMATCH`).
 */
function checkRequestFolder(
  approval: VerifiedApproval,
  folder: RequestFolderInput | undefined,
): RequestFolderInput {
  if (!folder) {
    throw new FlareError("REQUEST_DIR_NOT_FOUND", {
      hint: "Use --request-dir to point to the original request folder created by 'nvflare cert request'.",
    });
  }
  const missing = [`${approval.name}.key`, "request.json"].filter((name) => !folder.files.has(name));
  if (missing.length > 0)
    throw new FlareError("REQUEST_DIR_INCOMPLETE", { hint: `Expected file(s): ${missing.join(", ")}.` });
  const where = `${folder.label}/request.json`;
  let problem: string | undefined;
  try {
    const request = parseJson(folder.files.get("request.json") as Uint8Array, "request.json");
    const found = isMapping(request) ? request.request_id : undefined;
    if (!sameRequestId(found, approval.requestId))
      problem = `${where} has request_id ${typeof found === "string" ? `'${found}'` : "(none)"}; the signed zip has '${approval.requestId}'`;
  } catch (error) {
    problem = `${where} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (problem !== undefined) throw new FlareError("REQUEST_DIR_MISMATCH", { detail: problem });
  return folder;
}

function sameRequestId(a: unknown, b: string): boolean {
  return typeof a === "string" && a.replace(/-/g, "").toLowerCase() === b.replace(/-/g, "").toLowerCase();
}

/** The participant's `custom_ca_cert` file, looked up relative to the request folder. */
function readCustomCa(value: unknown, folder: RequestFolderInput): Uint8Array | undefined {
  if (typeof value !== "string" || !value) return undefined;
  const relative = value.replace(/^\.\//, "");
  const bytes = folder.files.get(relative);
  if (!bytes) {
    throw new FlareError("LOCAL_SITE_INVALID", {
      message: `Invalid local participant definition: custom_ca_cert ${value}: not found in the request folder ${folder.label}`,
    });
  }
  return bytes;
}
