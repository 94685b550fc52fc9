import { checkRequestZip } from "../approval/approve-request.ts";
import { sha256Hex } from "../bytes/hash.ts";
import type { CoreDeps } from "../deps.ts";
import { isMapping } from "../inputs/structured.ts";
import { requestCodeOfZip } from "../request/request-code.ts";
import { spkiSha256 } from "../x509/fingerprint.ts";
import { addFact, factOf, noRootToCompare } from "./certificate-facts.ts";
import type { Facts, InspectOptions, InspectReport } from "./types.ts";

const REQUEST_FACTS: ReadonlyArray<[string, string]> = [
  ["name", "name"],
  ["type", "cert_type"],
  ["role", "cert_role"],
  ["org", "org"],
  ["project", "project"],
  ["kind", "kind"],
  ["request_id", "request_id"],
  ["created_at", "created_at"],
];

/**
 * Inspects a `<name>.request.zip` (artifacts.md §7): identity from request.json, the CSR
 * subject and public-key hash, the server's proposed `host_names`, the members; checks are
 * every request-zip check of `cert approve` (validation.md §4.3 rows 3-19c). The request zip
 * holds no root CA, so `--fingerprint` fails with a check saying so.
 */
export async function inspectRequestZip(
  zipBytes: Uint8Array,
  options: InspectOptions,
  deps: CoreDeps,
): Promise<InspectReport> {
  const found = await checkRequestZip(zipBytes, deps);
  const facts: Facts = {};
  const request = found.request;
  if (request) for (const [fact, field] of REQUEST_FACTS) addFact(facts, fact, factOf(request[field]));
  if (found.csr) {
    facts.csr_subject = found.csr.subject.toString();
    facts.public_key_sha256 = await spkiSha256(found.csr.spkiDer, deps);
  }
  // What the participant reads out; compare it with what they said (`cert approve --expect-code`).
  const code = await requestCodeOfZip(zipBytes, deps).catch(() => undefined);
  if (code !== undefined) facts.request_code = code;
  const participants = found.siteDocument?.participants;
  const participant = Array.isArray(participants) ? participants[0] : undefined;
  if (isMapping(participant) && participant.host_names !== undefined) {
    const hosts = participant.host_names;
    facts.host_names = Array.isArray(hosts) ? hosts.map(String) : [String(hosts)];
  }
  if (found.members) facts.members = [...found.members.keys()];
  facts.sha256 = await sha256Hex(deps, zipBytes);
  const checks = [...found.checks];
  if (options.expectedFingerprint !== undefined) checks.push(noRootToCompare("a request zip"));
  return { artifact: "request-zip", facts, checks };
}
