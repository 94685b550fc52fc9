import type { CoreDeps } from "../deps.ts";
import { FlareError } from "../errors/flare-error.ts";
import { isMapping } from "../inputs/structured.ts";
import { planWithoutExternal } from "../kit/build-kit.ts";
import type { KitCertType, KitFile, KitTree } from "../kit/types.ts";
import { checkLocalRequest, type LocalRequest, type PairedRequest } from "./check-local-request.ts";
import { serverSecurityWarning } from "./consistency.ts";
import { type VerifiedApproval, verifySignedZip } from "./verify-signed-zip.ts";

/** The local request folder's files, as bytes, for {@link buildKitFromSignedZip}. */
export interface LocalRequestFiles extends LocalRequest {
  /**
   * The file the local participant's `custom_ca_cert` names, when it names one (read it
   * relative to the request folder); the kit copies it into `startup/`.
   */
  customCaCert?: Uint8Array | undefined;
  /** The DockerBuilder `requirements_file`, when the `builders:` block has one and it exists. */
  dockerRequirements?: Uint8Array | undefined;
}

/** Options of {@link buildKitFromSignedZip}. */
export interface BuildKitFromSignedZipOptions {
  /** Names the signed zip in messages (`site-1.signed.zip`). */
  label: string;
  /**
   * The root CA fingerprint shared out of band (certificates.md §7 spellings). Without it the
   * signed zip is only checked against the root it carries, and a warning says so.
   */
  expectedFingerprint?: string | undefined;
}

/** A verified startup kit, ready to be written, and what the checks found on the way. */
export interface VerifiedKit {
  /** The kit as a virtual tree: relative path -> bytes + mode (startup-kits.md §3). */
  kit: KitTree;
  /** Files for the `prod_<NN>` folder beside the kit (DockerBuilder's), relative to it. */
  prodFiles: Map<string, KitFile>;
  /** The verified signed zip: identity, connection, certificate, root and fingerprint. */
  approval: VerifiedApproval;
  /** The local facts the kit was built from (participant, builders, project). */
  paired: PairedRequest;
  /**
   * Remarks for the user, in the order `nvflare package` prints them: the fingerprint was not
   * verified, a server's connection-security override, a `connect_to` host that is not the
   * approved server, builder args without effect.
   */
  warnings: string[];
}

/**
 * `nvflare package` in memory (validation.md §4.4): verifies the signed zip on its own
 * ({@link verifySignedZip}: zip safety, PSS signature, hashes, identity, CA info, the expected
 * fingerprint), then against the local request ({@link checkLocalRequest}: request.json, chain,
 * expiry, key/certificate pair, local site.yaml), and only then renders the kit from the
 * verified values. Pure: nothing is written; the caller stores `kit` and, like `package`, may
 * copy signed.json, the certificate and rootCA.pem into its request folder.
 *
 * @throws FlareError the first failed check's code (`INVALID_SIGNED_ZIP`,
 *   `ROOTCA_FINGERPRINT_MISMATCH`, `REQUEST_METADATA_MISMATCH`, `KEY_CERT_MISMATCH`, ...), or
 *   `LOCAL_SITE_INVALID` when `custom_ca_cert` is named but `local.customCaCert` is missing.
 */
export async function buildKitFromSignedZip(
  signedZip: Uint8Array,
  local: LocalRequestFiles,
  options: BuildKitFromSignedZipOptions,
  deps: CoreDeps,
): Promise<VerifiedKit> {
  const approval = await verifySignedZip(
    signedZip,
    { label: options.label, expectedFingerprint: options.expectedFingerprint },
    deps,
  );
  const warnings: string[] = [];
  if (options.expectedFingerprint === undefined) {
    warnings.push(
      "Warning: Root CA SHA256 fingerprint was not verified. Use --fingerprint to verify it out-of-band.",
    );
  }
  const paired = await checkLocalRequest(approval, local, deps);
  const customCa = paired.participant.custom_ca_cert;
  if (typeof customCa === "string" && customCa && !local.customCaCert) {
    throw new FlareError("LOCAL_SITE_INVALID", {
      message: `Invalid local participant definition: custom_ca_cert ${customCa}: file not provided`,
    });
  }
  const plan = planWithoutExternal({
    project: paired.project,
    name: approval.name,
    org: approval.org,
    // verifySignedZip accepts only the five certificate types (certificates.md).
    certType: approval.certType as KitCertType,
    participant: paired.participant,
    builders: paired.builders,
    signed: {
      scheme: approval.scheme,
      defaultConnectionSecurity: approval.defaultConnectionSecurity,
      server: approval.server,
    },
    certPem: approval.certPem,
    keyPem: local.keyPem,
    rootCaPem: approval.rootPem,
    ...(typeof customCa === "string" && customCa && local.customCaCert
      ? { customCaCert: local.customCaCert }
      : {}),
    ...(local.dockerRequirements ? { dockerRequirements: local.dockerRequirements } : {}),
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
  return { kit: plan.tree, prodFiles: plan.prodFiles, approval, paired, warnings };
}
