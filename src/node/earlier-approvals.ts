import { readdirSync, statSync } from "node:fs";
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
    const record = summaryOf(join(dir, file), file);
    if (
      !record ||
      record.name !== who.name ||
      record.project !== who.project ||
      record.fingerprint !== who.fingerprint ||
      record.found.requestId === who.requestId
    )
      continue;
    if (!best || record.found.approvedAt > best.approvedAt) best = record.found;
  }
  return best;
}

/** What one audit record says, for the match above; `null` = not an approval record we can use. */
interface RecordSummary {
  name: unknown;
  project: unknown;
  fingerprint: unknown;
  found: EarlierApproval;
}

/**
 * Records already read by this process, by path, with the size and mtime they had: a batch
 * approval looks up every zip's earlier approval, and without this it would re-read and parse
 * every record once per zip (quadratic in the size of the audit folder).
 */
const seen = new Map<string, { size: number; mtimeMs: number; summary: RecordSummary | null }>();

function summaryOf(path: string, file: string): RecordSummary | null {
  let stat: { size: number; mtimeMs: number };
  try {
    stat = statSync(path);
  } catch {
    return null;
  }
  const cached = seen.get(path);
  if (cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs) return cached.summary;
  const summary = readSummary(path, file);
  seen.set(path, { size: stat.size, mtimeMs: stat.mtimeMs, summary });
  return summary;
}

function readSummary(path: string, file: string): RecordSummary | null {
  const read = tryReadFile(path, 256 * 1024);
  if (!read.ok) return null;
  let approval: unknown;
  try {
    const record = parseJson(read.bytes, file);
    approval = isMapping(record) ? record.approval : undefined;
  } catch {
    return null;
  }
  if (!isMapping(approval) || !isMapping(approval.ca_info) || !isMapping(approval.certificate)) return null;
  return {
    name: approval.name,
    project: approval.project,
    fingerprint: approval.ca_info.rootCA_fingerprint,
    found: {
      requestId: String(approval.request_id),
      serial: String(approval.certificate.serial),
      validUntil: String(approval.certificate.valid_until),
      approvedAt: String(approval.approved_at),
    },
  };
}
