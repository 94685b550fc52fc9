import { sha256Hex } from "../bytes/hash.ts";
import type { CoreDeps } from "../deps.ts";
import { isMapping } from "../inputs/structured.ts";
import { checkCertificateChain } from "../package/check-local-request.ts";
import { checkSignedZip, type SignedZipCheck } from "../package/verify-signed-zip.ts";
import { spkiSha256 } from "../x509/fingerprint.ts";
import { addFact, certificateFacts, certificateIdentity, factOf, validNowStep } from "./certificate-facts.ts";
import { type CheckStep, collectChecks } from "./check-steps.ts";
import type { Facts, InspectOptions, InspectReport } from "./types.ts";

/**
 * Inspects a `<name>.signed.zip` (artifacts.md §9): identity, certificate (serial, validity,
 * days left, SANs), deploy version, root fingerprint, scheme, connection security and endpoint.
 * Checks are every signed-zip check of `package` (validation.md §4.4 rows 4-21, with
 * `--fingerprint` as `expected-fingerprint`) plus the certificate's chain to the included
 * rootCA.pem and its expiry (rows 26-27). `label` names the zip in messages.
 */
export async function inspectSignedZip(
  zipBytes: Uint8Array,
  options: InspectOptions & { label: string },
  deps: CoreDeps,
): Promise<InspectReport> {
  const found = await checkSignedZip(
    zipBytes,
    { label: options.label, expectedFingerprint: options.expectedFingerprint },
    deps,
  );
  const now = deps.now();
  const certName = (s: SignedZipCheck) => `${s.certificate?.subject.commonName ?? "certificate"}.crt`;
  const extra: CheckStep<SignedZipCheck>[] = [
    {
      id: "chain",
      needs: ["certificate", "rootca"],
      pass: "the certificate is signed by the included rootCA.pem",
      run: (s) => checkCertificateChain(s.certificate!, s.root!, certName(s), deps),
    },
    validNowStep((s) => s.certificate!, certName, now, ["certificate"]),
  ];
  const checks = [...found.checks, ...(await collectChecks(extra, found, found.checks))];
  return { artifact: "signed-zip", facts: await signedZipFacts(found, zipBytes, now, deps), checks };
}

async function signedZipFacts(found: SignedZipCheck, zipBytes: Uint8Array, now: Date, deps: CoreDeps) {
  const facts: Facts = {};
  const signed = found.signed ?? {};
  const fromCert = found.certificate ? certificateIdentity(found.certificate) : {};
  addFact(facts, "name", factOf(signed.name) ?? fromCert.name);
  addFact(facts, "type", factOf(signed.cert_type) ?? fromCert.type);
  addFact(facts, "role", factOf(signed.cert_role) ?? fromCert.role);
  addFact(facts, "org", factOf(signed.org) ?? fromCert.org);
  addFact(facts, "project", factOf(signed.project) ?? found.root?.subject.commonName);
  addFact(facts, "kind", factOf(signed.kind));
  addFact(facts, "request_id", factOf(signed.request_id));
  addFact(facts, "approved_at", factOf(signed.approved_at));
  if (found.certificate) {
    Object.assign(facts, certificateFacts(found.certificate, now));
    facts.public_key_sha256 = await spkiSha256(found.certificate.spkiDer, deps);
  }
  const caInfo = isMapping(signed.ca_info) ? signed.ca_info : undefined;
  // The signed value as it is; only a signed.json without ca_info means 00 (artifacts.md §9.1).
  if (found.signed) addFact(facts, "deploy_version", caInfo ? factOf(caInfo.provision_version) : "00");
  addFact(facts, "rootca_fingerprint_sha256", found.fingerprint);
  addFact(facts, "scheme", factOf(signed.scheme));
  addFact(facts, "connection_security", factOf(signed.default_connection_security));
  const server = isMapping(signed.server) ? signed.server : undefined;
  if (server) {
    facts.endpoint = `${String(signed.scheme)}://${String(server.host)}:${String(server.fed_learn_port)}`;
    addFact(facts, "admin_port", factOf(server.admin_port));
  }
  if (found.members) facts.members = [...found.members.keys()];
  facts.sha256 = await sha256Hex(deps, zipBytes);
  return facts;
}
