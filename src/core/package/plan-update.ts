import type { CoreDeps } from "../deps.ts";
import { FlareError } from "../errors/flare-error.ts";
import type { KitTree } from "../kit/types.ts";
import { parseCertificate } from "../x509/certificate.ts";
import { fingerprintSha256 } from "../x509/fingerprint.ts";
import { parseSoleCertificate } from "../x509/sole-certificate.ts";
import type { VerifiedApproval } from "./verify-signed-zip.ts";

/**
 * `package --update` (docs/security.md "Renewal"): a renewed certificate goes into an existing
 * kit without touching what the site made its own. `startup/` (certificate, key, root and the
 * startup configs) is replaced as a whole; `local/` (the site's `resources.json`, privacy and
 * log settings, an installed CRL) and `transfer/` are left exactly as they are. The kit must
 * be the same participant, project and root: an update never turns one kit into another.
 */

/** The folders of a kit that an update never writes. */
export const KEPT_ON_UPDATE = ["local", "transfer"] as const;

/** What the existing kit holds, as read from disk; `undefined` = absent. */
export interface ExistingKit {
  /** The folder, for messages. */
  path: string;
  /** `startup/server.crt` or `startup/client.crt`, whichever the kit has. */
  certificate: { file: string; bytes: Uint8Array } | undefined;
  rootCa: Uint8Array | undefined;
}

/** The new kit split for an update: `startup/` as its own tree, and the files at the kit root. */
export interface KitUpdate {
  startup: KitTree;
  /** Files directly in the kit folder (none today; kept so a new builder output is not lost). */
  topFiles: KitTree["files"];
  /** The certificate the update replaces. */
  replacedSerial: string;
  replacedValidUntil: Date;
}

function mismatch(kit: string, detail: string): FlareError {
  return new FlareError("KIT_UPDATE_MISMATCH", {
    message: `Cannot update the kit ${kit}: ${detail}.`,
  });
}

/**
 * Checks that `existing` is the kit of the participant `approval` is for (same name, org and
 * certificate type in its certificate, same root fingerprint; the project is the kit's path),
 * then splits `tree`, the kit `package` would write, into what an update writes. Throws
 * `KIT_UPDATE_MISMATCH` naming what differs, or `KIT_INVALID` for a kit it cannot read.
 */
export async function planKitUpdate(
  tree: KitTree,
  existing: ExistingKit,
  approval: VerifiedApproval,
  deps: Pick<CoreDeps, "crypto">,
): Promise<KitUpdate> {
  const certFile = approval.certType === "server" ? "startup/server.crt" : "startup/client.crt";
  if (!existing.certificate || !existing.rootCa) {
    throw new FlareError("KIT_INVALID", {
      message: `Not a startup kit of ${approval.name}: ${existing.path} has no ${existing.certificate ? "startup/rootCA.pem" : certFile}.`,
    });
  }
  if (existing.certificate.file !== certFile)
    throw mismatch(
      existing.path,
      `it holds ${existing.certificate.file}, the signed zip is for a ${approval.certType}`,
    );
  let old: ReturnType<typeof parseCertificate>;
  let oldRootFingerprint: string;
  try {
    old = parseCertificate(existing.certificate.bytes);
    oldRootFingerprint = await fingerprintSha256(parseSoleCertificate(existing.rootCa).der, deps);
  } catch (error) {
    throw new FlareError("KIT_INVALID", {
      message: `Not a readable startup kit: ${existing.path}.`,
      detail: error instanceof Error ? error.message : String(error),
    });
  }
  const differs: string[] = [];
  const compare = (what: string, had: string | undefined, now: string) => {
    if (had !== now) differs.push(`${what} is '${had ?? ""}' in the kit, '${now}' in the signed zip`);
  };
  compare(
    "the participant",
    old.subject.commonName,
    approval.certType === "server" ? approval.name.slice(0, 64) : approval.name,
  );
  compare("the organization", old.subject.organization, approval.org);
  compare("the certificate type", old.subject.unstructuredName, approval.certType);
  if (oldRootFingerprint !== approval.fingerprint)
    differs.push(
      `the root CA is ${oldRootFingerprint} in the kit, ${approval.fingerprint} in the signed zip`,
    );
  if (differs.length > 0) throw mismatch(existing.path, differs.join("; "));

  const startup: KitTree = { files: new Map(), dirs: [] };
  const topFiles: KitTree["files"] = new Map();
  for (const [path, file] of tree.files) {
    if (path.startsWith("startup/")) startup.files.set(path.slice("startup/".length), file);
    else if (!path.includes("/")) topFiles.set(path, file);
    // Anything under local/ or transfer/ stays as the site has it.
  }
  for (const dir of tree.dirs)
    if (dir.startsWith("startup/")) startup.dirs.push(dir.slice("startup/".length));
  return { startup, topFiles, replacedSerial: old.serialHex, replacedValidUntil: old.notAfter };
}
