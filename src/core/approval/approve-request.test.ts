import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, test } from "node:test";
import { editedZip, hospitalApprovalInputs } from "../../../test/helpers/artifacts.ts";
import { fixedDeps } from "../../../test/helpers/deps.ts";
import { readFixture } from "../../../test/helpers/fixtures.ts";
import { fromUtf8, utf8 } from "../bytes/encoding.ts";
import { sha256Hex } from "../bytes/hash.ts";
import { FlareError } from "../errors/flare-error.ts";
import { parseJson } from "../json/parse-json.ts";
import { parseCertificate } from "../x509/certificate.ts";
import { verifyPss } from "../x509/pss.ts";
import { readZip } from "../zip/read-zip.ts";
import { writeZip } from "../zip/write-zip.ts";
import { approveRequest } from "./approve-request.ts";

const deps = fixedDeps();
const H = "hospital/work";

function members(zip: Uint8Array): Map<string, Uint8Array> {
  return new Map(readZip(zip).map((e) => [e.name, e.data]));
}

/** The hospital-a request zip with request.json edited by `edit` (hashes left as they were). */
function withRequestJson(edit: (request: Record<string, unknown>) => void): Uint8Array {
  return editedZip([H, "hospital-a/hospital-a.request.zip"], (m) => {
    const request = parseJson(m.get("request.json") as Uint8Array, "request.json") as Record<string, unknown>;
    edit(request);
    m.set("request.json", utf8(JSON.stringify(request)));
  });
}

async function rejects(promise: Promise<unknown>, code: string, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof FlareError);
    assert.equal(error.code, code);
    assert.equal(error.message, message);
    return true;
  });
}

describe("approveRequest", () => {
  test("signs a reference client request: members, signed.json fields, PSS signature, certificate", async () => {
    const approval = await approveRequest(
      hospitalApprovalInputs(readFixture(H, "hospital-a/hospital-a.request.zip")),
      deps,
    );
    const m = members(approval.signedZip);
    assert.deepEqual(
      [...m.keys()],
      ["signed.json", "signed.json.sig", "site.yaml", "hospital-a.crt", "rootCA.pem"],
    );
    const signedBytes = m.get("signed.json") as Uint8Array;
    const signed = parseJson(signedBytes, "signed.json") as Record<string, unknown>;
    assert.deepEqual(Object.keys(signed), [
      "artifact_type",
      "schema_version",
      "request_id",
      "approved_at",
      "project",
      "name",
      "org",
      "kind",
      "cert_type",
      "certificate",
      "cert_file",
      "rootca_file",
      "ca_info",
      "hashes",
      "scheme",
      "default_connection_security",
      "server",
    ]);
    assert.equal(signed.approved_at, "2026-11-27T16:00:00Z");
    assert.deepEqual(signed.server, {
      host: "server1.hospital-central.org",
      fed_learn_port: 8002,
      admin_port: 8003,
    });
    assert.deepEqual(signed.ca_info, {
      provision_version: "00",
      rootCA_fingerprint:
        "SHA256:64:9D:1A:1E:7B:D3:0E:C7:B2:07:53:2D:41:D5:CE:AD:E3:B4:8D:74:96:A2:E8:DC:68:C7:64:FE:FC:6B:7C:D5",
    });
    const root = parseCertificate(m.get("rootCA.pem") as Uint8Array);
    assert.ok(
      await verifyPss(signedBytes, fromUtf8(m.get("signed.json.sig") as Uint8Array), root.spkiDer, deps),
    );
    const hashes = signed.hashes as Record<string, string>;
    assert.equal(hashes.certificate_sha256, await sha256Hex(deps, m.get("hospital-a.crt") as Uint8Array));
    assert.equal(hashes.site_yaml_sha256, await sha256Hex(deps, m.get("site.yaml") as Uint8Array));
    const cert = parseCertificate(m.get("hospital-a.crt") as Uint8Array);
    assert.equal(cert.subject.unstructuredName, "client");
    assert.equal(cert.notAfter.toISOString(), "2029-11-26T16:00:00.000Z");
  });

  test("adds cert_role last for users only", async () => {
    const approval = await approveRequest(
      hospitalApprovalInputs(readFixture(H, "alice@hospital-alpha.org/alice@hospital-alpha.org.request.zip")),
      deps,
    );
    assert.equal(Object.keys(approval.signedJson).at(-1), "cert_role");
    assert.equal(approval.signedJson.cert_role, "lead");
  });

  test("rejects a tampered csr_sha256 like the reference (errors/tampered-request-json-hash)", async () => {
    await rejects(
      approveRequest(
        hospitalApprovalInputs(
          readFixture("errors/work/cases/tampered-request-json-hash/site-1.request.zip"),
          {
            caJson: { path: "ca/ca.json", bytes: readFixture("errors/work/ca/ca.json") },
            rootCaPem: { path: "ca/rootCA.pem", bytes: readFixture("errors/work/ca/rootCA.pem") },
            rootCaKey: { path: "ca/rootCA.key", bytes: readFixture("errors/work/ca/rootCA.key") },
            profile: { path: "project_profile.yaml", bytes: readFixture("errors/work/project_profile.yaml") },
          },
        ),
        deps,
      ),
      "INVALID_ARGS",
      "Invalid arguments. \u2014 CSR hash does not match request metadata",
    );
  });

  test("rejects request metadata that fails each rule, in the spec's order", async () => {
    const cases: [(r: Record<string, unknown>) => void, string][] = [
      [(r) => delete r.site_yaml_sha256, "request metadata missing required field(s): site_yaml_sha256"],
      [(r) => (r.schema_version = 1), "unsupported request artifact metadata"],
      [(r) => (r.request_id = "not-a-uuid"), "request_id must be a UUID hex string."],
      [(r) => (r.kind = "user"), "request kind 'user' requires cert type one of: org_admin, lead, member"],
      [(r) => (r.org = "other_org"), "site.yaml field 'org' does not match request metadata"],
    ];
    for (const [edit, detail] of cases) {
      await rejects(
        approveRequest(hospitalApprovalInputs(withRequestJson(edit)), deps),
        "INVALID_ARGS",
        `Invalid arguments. \u2014 ${detail}`,
      );
    }
  });

  test("reports a missing CA before reading the profile", async () => {
    await rejects(
      approveRequest(
        hospitalApprovalInputs(readFixture(H, "hospital-a/hospital-a.request.zip"), {
          caJson: { path: "ca/ca.json", bytes: undefined },
          profile: { path: "p.yaml", bytes: undefined },
        }),
        deps,
      ),
      "CA_NOT_FOUND",
      "No root CA found at ca.",
    );
  });

  test("refuses a CA whose ca.json fingerprint disagrees with rootCA.pem", async () => {
    const caJson = fromUtf8(readFixture(H, "ca/ca.json")).replace(/"SHA256:64/, '"SHA256:65');
    await rejects(
      approveRequest(
        hospitalApprovalInputs(readFixture(H, "hospital-a/hospital-a.request.zip"), {
          caJson: { path: "ca/ca.json", bytes: utf8(caJson) },
        }),
        deps,
      ),
      "ROOTCA_FINGERPRINT_MISMATCH",
      "Root CA fingerprint in ca.json does not match rootCA.pem.",
    );
  });

  test("refuses to sign with an expired root", async () => {
    await rejects(
      approveRequest(
        hospitalApprovalInputs(readFixture(H, "hospital-a/hospital-a.request.zip")),
        fixedDeps(new Date("2040-01-01T00:00:00Z")),
      ),
      "CERT_SIGNING_FAILED",
      "Certificate signing failed: CA certificate expired at 2036-11-24T15:00:50Z",
    );
  });

  test("caps the leaf's notAfter at the root's", async () => {
    const approval = await approveRequest(
      hospitalApprovalInputs(readFixture(H, "hospital-a/hospital-a.request.zip"), { validDays: 100_000 }),
      deps,
    );
    assert.equal(
      approval.signedJson.certificate &&
        (approval.signedJson.certificate as { valid_until: string }).valid_until,
      "2036-11-24T15:00:50Z",
    );
  });

  test("refuses a server request whose name is not the profile's server.host", async () => {
    const profile = utf8(
      fromUtf8(readFixture(H, "project_profile.yaml")).replace(
        "host: server1.hospital-central.org",
        "host: other.example.org",
      ),
    );
    await rejects(
      approveRequest(
        hospitalApprovalInputs(
          readFixture(H, "server1.hospital-central.org/server1.hospital-central.org.request.zip"),
          {
            profile: { path: "p.yaml", bytes: profile },
          },
        ),
        deps,
      ),
      "SERVER_NAME_HOST_MISMATCH",
      "Server participant name 'server1.hospital-central.org' does not match project profile server.host 'other.example.org'.",
    );
  });

  test("refuses a CSR with a duplicated subject attribute (CERT_SIGNING_FAILED)", async () => {
    const csrPem = execFileSync(
      "sh",
      [
        "-c",
        "openssl req -new -newkey rsa:2048 -nodes -keyout /dev/null -subj '/CN=site-9/CN=site-9/O=org9/unstructuredName=client' -utf8 2>/dev/null",
      ],
      { encoding: "utf8" },
    );
    const siteYaml =
      "name: hospital_federation\nparticipants:\n- name: site-9\n  type: client\n  org: org9\n";
    const { parseCsr } = await import("../x509/csr.ts");
    const { spkiSha256 } = await import("../x509/fingerprint.ts");
    const request = {
      artifact_type: "nvflare.cert.request",
      schema_version: "1",
      request_id: "0123456789abcdef0123456789abcdef",
      project: "hospital_federation",
      name: "site-9",
      org: "org9",
      kind: "site",
      cert_type: "client",
      cert_role: null,
      csr_sha256: await sha256Hex(deps, csrPem),
      public_key_sha256: await spkiSha256((await parseCsr(csrPem, deps)).spkiDer, deps),
      site_yaml_sha256: await sha256Hex(deps, siteYaml),
    };
    const zip = writeZip(
      [
        { name: "request.json", data: utf8(JSON.stringify(request)) },
        { name: "site.yaml", data: utf8(siteYaml) },
        { name: "site-9.csr", data: utf8(csrPem) },
      ],
      { date: new Date() },
    );
    await rejects(
      approveRequest(hospitalApprovalInputs(zip), deps),
      "CERT_SIGNING_FAILED",
      "Certificate signing failed: CSR contains duplicate subject attribute for OID 'commonName'",
    );
  });
});

describe("approveRequest with a caKeyCache", () => {
  /** `deps` whose WebCrypto counts the imports of a PKCS#8 private key. */
  function countingDeps(): { deps: typeof deps; imports: () => number } {
    let count = 0;
    const subtle = deps.crypto.subtle;
    const counting = new Proxy(subtle, {
      get(target, prop) {
        if (prop === "importKey") {
          return (format: string, ...rest: unknown[]) => {
            if (format === "pkcs8") count++;
            return (target.importKey as (...a: unknown[]) => unknown).call(target, format, ...rest);
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const crypto = {
      ...deps.crypto,
      subtle: counting,
      getRandomValues: deps.crypto.getRandomValues.bind(deps.crypto),
    };
    return { deps: { ...deps, crypto } as typeof deps, imports: () => count };
  }

  test("imports the CA key for the first approval only, and again when rootCA.key changes", async () => {
    const counted = countingDeps();
    const zip = readFixture(H, "hospital-a/hospital-a.request.zip");
    const cache = {};
    await approveRequest({ ...hospitalApprovalInputs(zip), caKeyCache: cache }, counted.deps);
    const first = counted.imports();
    assert.ok(first > 0);
    await approveRequest({ ...hospitalApprovalInputs(zip), caKeyCache: cache }, counted.deps);
    assert.equal(counted.imports(), first, "the second approval reuses the imported key");
    const inputs = hospitalApprovalInputs(zip);
    const keyBytes = inputs.rootCaKey.bytes as Uint8Array;
    // Same key, other bytes (a trailing newline): imported again, not trusted from the cache.
    const changed = { ...inputs.rootCaKey, bytes: new Uint8Array([...keyBytes, 0x0a]) };
    await approveRequest({ ...inputs, rootCaKey: changed, caKeyCache: cache }, counted.deps);
    assert.ok(counted.imports() > first);
  });
});
