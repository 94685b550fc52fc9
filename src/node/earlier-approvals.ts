import { readdirSync } from "node:fs";
import { join } from "node:path";
import { isMapping } from "../core/inputs/structured.ts";
import { parseJson } from "../core/json/parse-json.ts";
import { nvflareHome } from "./audit.ts";
import { tryReadFile } from "./read-input.ts";

/** A certificate this CA issued before to the same participant (from its approval audit records). */
export interface EarlierApproval {
  requestId: string;
  serial: string;
  validUntil: string;
  approvedAt: string;
}

/** More records than this are not read: the note is a courtesy, not a scan of an archive. */
const MAX_RECORDS = 5000;

/**
 * The latest earlier approval of the same participant (name and project) by the same root
 * (fingerprint), for another request: what `cert approve` of a renewal says it renews. Read
 * from `<home>/.nvflare/cert_approves/*.json`, which both tools write; unreadable records are
 * skipped. Undefined when the CA knows none.
 */
export function findEarlierApproval(
  home: string,
  who: { name: string; project: string; fingerprint: string; requestId: string },
): EarlierApproval | undefined {
  const dir = join(nvflareHome(home), "cert_approves");
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith(".json"))
      .slice(0, MAX_RECORDS);
  } catch {
    return undefined;
  }
  let best: EarlierApproval | undefined;
  for (const file of names) {
    const read = tryReadFile(join(dir, file), 256 * 1024);
    if (!read.ok) continue;
    let approval: unknown;
    try {
      const record = parseJson(read.bytes, file);
      approval = isMapping(record) ? record.approval : undefined;
    } catch {
      continue;
    }
    if (!isMapping(approval) || !isMapping(approval.ca_info) || !isMapping(approval.certificate)) continue;
    if (
      approval.name !== who.name ||
      approval.project !== who.project ||
      approval.ca_info.rootCA_fingerprint !== who.fingerprint ||
      approval.request_id === who.requestId
    )
      continue;
    const found = {
      requestId: String(approval.request_id),
      serial: String(approval.certificate.serial),
      validUntil: String(approval.certificate.valid_until),
      approvedAt: String(approval.approved_at),
    };
    if (!best || found.approvedAt > best.approvedAt) best = found;
  }
  return best;
}
