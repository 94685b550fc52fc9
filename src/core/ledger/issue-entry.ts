import type { Approval } from "../approval/approve-request.ts";
import { sha256Hex } from "../bytes/hash.ts";
import { isoSeconds } from "../bytes/time.ts";
import type { CoreDeps } from "../deps.ts";
import type { IssueFields } from "./entry.ts";

/** The ledger entry of one approval: what was signed, for whom, until when; no key material. */
export async function issueFieldsOf(
  approval: Approval,
  deps: Pick<CoreDeps, "crypto">,
): Promise<IssueFields> {
  const { verified, issued } = approval;
  return {
    type: "issue",
    time: String(approval.signedJson.approved_at),
    serial: issued.serialHex,
    name: verified.name,
    kind: verified.kind,
    cert_type: verified.certType,
    cert_role: verified.certRole,
    org: verified.org,
    project: verified.project,
    spki_sha256: await sha256Hex(deps, issued.spkiDer),
    request_id: String(verified.request.request_id),
    not_before: isoSeconds(issued.notBefore),
    not_after: isoSeconds(issued.notAfter),
    certificate_sha256: approval.hashes.certificate,
    signed_zip_sha256: await sha256Hex(deps, approval.signedZip),
    deploy_version: approval.provisionVersion,
  };
}
