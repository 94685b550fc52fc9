import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync, renameSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { CliRun } from "../helpers/cli.ts";
import { fixturePath, makeTempDir, readFixture } from "../helpers/fixtures.ts";
import {
  assertKitMatchesReference,
  assertReferenceZipLayout,
  assertSameBytes,
  assertSameRuntimeInvocation,
  certProfile,
  cliIn,
  copyFixtureScenario,
  expectsSecurityWarning,
  installFakePython,
  keyPaths,
  type LoggedStep,
  loggedSteps,
  member,
  normalizePaths,
  OID,
  openssl,
  pythonJsonIndent2,
  readZips,
  type ScenarioCopy,
  sha256Hex,
  spkiSha256,
  splitLedgerNote,
  splitSecurityWarning,
  undoSteps,
  verifySignedJsonSignature,
  type ZipListing,
} from "./helpers.ts";

// Direction 1 of the interop proof: the reference's own request zips (hospital/, CATALOGUE.md:
// a server, a client and the three admin roles), approved by our built CLI with the fixture CA
// and profile, replaying logged steps 07-11 exactly; then our `package` (steps 12-16) turns our
// signed zips plus the reference's request folders into kits. Our stdout is compared with the
// reference's captures (outputs/text, outputs/json): same request ids, CA and paths, so after
// normalizing the temp paths the captures must match line for line.

const SCENARIO = "hospital";
const steps = loggedSteps(SCENARIO);
const approveSteps = steps.filter((s) => s.argv[1] === "approve");
const packageSteps = steps.filter((s) => s.argv[0] === "package");

/** Where an approve step writes its signed zip (cli.md §2: `--out`, else beside the request zip). */
function signedZipOf(s: LoggedStep): string {
  const out = s.argv.indexOf("--out");
  if (out >= 0) return s.argv[out + 1] as string;
  const zip = s.argv[2] as string;
  return join(dirname(zip), `${participantOf(s)}.signed.zip`);
}

function participantOfPackage(s: LoggedStep): string {
  const requestDir = s.argv.indexOf("--request-dir");
  return requestDir >= 0 ? (s.argv[requestDir + 1] as string) : basename(s.argv[1] as string, ".signed.zip");
}

function participantOf(s: LoggedStep): string {
  return basename(s.argv[2] as string, ".request.zip");
}

const SIGNED_JSON_KEYS = [
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
  "certificate.serial",
  "certificate.valid_until",
  "cert_file",
  "rootca_file",
  "ca_info",
  "ca_info.provision_version",
  "ca_info.rootCA_fingerprint",
  "hashes",
  "hashes.csr_sha256",
  "hashes.site_yaml_sha256",
  "hashes.certificate_sha256",
  "hashes.rootca_sha256",
  "hashes.public_key_sha256",
  "scheme",
  "default_connection_security",
  "server",
  "server.host",
  "server.fed_learn_port",
  "server.admin_port",
];

/** signed.json without the fields a second approval of the same request necessarily changes. */
function withoutPerApproval(signed: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(signed) as Record<string, Record<string, unknown>>;
  delete copy.approved_at;
  delete copy.certificate;
  delete copy.hashes?.certificate_sha256;
  return copy;
}

/** `YYYY-MM-DDTHH:MM:SSZ` of a Date. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

describe("reference requests, our approval and packaging (hospital/)", () => {
  const temp = makeTempDir("flare-interop-approve-");
  const modes = ["text", "json"] as const;
  const copies = {} as Record<(typeof modes)[number], ScenarioCopy>;
  const runs = { text: new Map<string, CliRun>(), json: new Map<string, CliRun>() };
  let zips = new Map<string, ZipListing>();
  let binDir = "";

  before(() => {
    binDir = installFakePython(join(temp.dir, "bin"));
    for (const mode of modes) {
      const copy = copyFixtureScenario(SCENARIO, join(temp.dir, mode), "reference");
      // Move the reference kits aside, then rewind to the state before step 07: request
      // folders and the CA as the reference left them after its requests.
      renameSync(join(copy.work, "workspace"), join(copy.root, "reference-workspace"));
      undoSteps(
        copy,
        [...approveSteps, ...packageSteps].flatMap((s) => s.changes),
      );
      for (const s of [...approveSteps, ...packageSteps]) {
        const args = mode === "json" ? ["--format", "json", ...s.argv] : s.argv;
        runs[mode].set(s.id, cliIn(copy, args));
      }
      copies[mode] = copy;
    }
    const text = copies.text;
    const paths = approveSteps.map((s) => join(text.work, signedZipOf(s)));
    const listed = readZips(paths);
    zips = new Map(approveSteps.map((s, i) => [s.id, listed[i] as ZipListing]));
  });
  after(temp.cleanup);

  for (const mode of modes) {
    test(`cert approve prints exactly what the reference printed for steps 07-11 (${mode} mode)`, () => {
      assert.equal(approveSteps.length, 5);
      for (const s of approveSteps) {
        const run = runs[mode].get(s.id) as CliRun;
        const expected = (ext: string) =>
          readFileSync(fixturePath("outputs", mode, `${s.id}.${ext}`), "utf8");
        assert.equal(run.code, Number(expected("rc").trim()), `${s.id}: ${run.stderr}`);
        // The first approval in the reference's CA folder starts its ledger and says so, on
        // stdout in text mode and on stderr in JSON mode; nothing else differs.
        const first = s === approveSteps[0];
        const note = splitLedgerNote(mode === "text" ? run.stdout : run.stderr);
        assert.equal(note.noted, first, s.id);
        const [stdout, stderr] = mode === "text" ? [note.text, run.stderr] : [run.stdout, note.text];
        assert.equal(normalizePaths(stdout, copies[mode]), expected("stdout"), s.id);
        assert.equal(stderr, expected("stderr"), s.id);
      }
      // Python's rendering of a null cert_role for servers and clients (cli.md §3).
      const server = runs[mode].get(approveSteps[0]?.id as string) as CliRun;
      assert.match(server.stdout, mode === "text" ? /^cert_role: None$/m : /"cert_role": null/);
    });

    test(`package prints exactly what the reference printed for steps 12-16, INFO line included (${mode} mode)`, () => {
      assert.equal(packageSteps.length, 5);
      for (const s of packageSteps) {
        const run = runs[mode].get(s.id) as CliRun;
        const expected = (ext: string) =>
          readFileSync(fixturePath("outputs", mode, `${s.id}.${ext}`), "utf8");
        assert.equal(run.code, 0, `${s.id}: ${run.stderr}`);
        // Text mode: the INFO line (with its trailing space) leads stdout; JSON mode: it is the
        // only stderr line and stdout is the envelope (cli.md §3).
        // Our one extra line (docs/interop.md) comes first, on the stream of the INFO line.
        const warning = expectsSecurityWarning(`${SCENARIO}/work/${participantOfPackage(s)}`);
        const ours = splitSecurityWarning(
          normalizePaths(mode === "text" ? run.stdout : run.stderr, copies[mode]),
        );
        assert.equal(ours.warned, warning, s.id);
        const [stdout, stderr] =
          mode === "text"
            ? [ours.text, normalizePaths(run.stderr, copies[mode])]
            : [normalizePaths(run.stdout, copies[mode]), ours.text];
        assert.equal(stdout, expected("stdout"), s.id);
        assert.equal(stderr, expected("stderr"), s.id);
      }
    });
  }

  test("every signed zip holds the reference's five members, in order, written the reference's way", () => {
    for (const s of approveSteps) {
      const name = participantOf(s);
      const zip = zips.get(s.id) as ZipListing;
      assertReferenceZipLayout(
        zip,
        ["signed.json", "signed.json.sig", "site.yaml", `${name}.crt`, "rootCA.pem"],
        name,
      );
      const reference = readZips([fixturePath(SCENARIO, "work", signedZipOf(s))])[0] as ZipListing;
      assertReferenceZipLayout(
        reference,
        zip.members.map((m) => m.name),
        `reference ${name}`,
      );
      // artifacts.md §9: the re-serialized sanitized site.yaml and the CA's own rootCA.pem.
      assertSameBytes(member(zip, "site.yaml"), member(reference, "site.yaml"), `${name}: site.yaml`);
      assertSameBytes(member(zip, "rootCA.pem"), readFixture(SCENARIO, "work", "ca", "rootCA.pem"), name);
      assert.equal(statSync(join(copies.text.work, signedZipOf(s))).mode & 0o777, 0o600, name);
    }
    assert.equal(statSync(join(copies.text.work, "signed")).mode & 0o777, 0o700, "--out parent folder");
  });

  test("signed.json has the reference's fields in the reference's order, cert_role only for users", () => {
    for (const s of approveSteps) {
      const name = participantOf(s);
      const zip = zips.get(s.id) as ZipListing;
      const bytes = member(zip, "signed.json");
      const signed = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
      const reference = JSON.parse(
        member(
          readZips([fixturePath(SCENARIO, "work", signedZipOf(s))])[0] as ZipListing,
          "signed.json",
        ).toString("utf8"),
      ) as Record<string, unknown>;
      const isUser = signed.kind === "user";
      const keys = [...SIGNED_JSON_KEYS, ...(isUser ? ["cert_role"] : [])];
      assert.deepEqual(keyPaths(reference), keys, `reference ${name}: the spec's key list`);
      assert.deepEqual(keyPaths(signed), keys, `${name}: keys and order`);
      assert.equal(
        bytes.toString("utf8"),
        pythonJsonIndent2(signed),
        `${name}: indent=2, no trailing newline`,
      );
      assert.deepEqual(withoutPerApproval(signed), withoutPerApproval(reference), `${name}: values`);
      if (isUser) assert.equal(signed.cert_role, signed.cert_type, name);

      // The per-approval values, recomputed from the zip's own members.
      const crt = member(zip, `${name}.crt`);
      const x509 = new X509Certificate(crt);
      const certificate = signed.certificate as { serial: string; valid_until: string };
      assert.equal(certificate.serial, `0x${BigInt(`0x${x509.serialNumber}`).toString(16)}`, name);
      assert.equal(certificate.valid_until, isoSeconds(new Date(x509.validTo)), name);
      assert.match(signed.approved_at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const hashes = signed.hashes as Record<string, string>;
      const requestZip = readZips([fixturePath(SCENARIO, "work", s.argv[2] as string)])[0] as ZipListing;
      assert.deepEqual(hashes, {
        csr_sha256: sha256Hex(member(requestZip, `${name}.csr`)),
        site_yaml_sha256: sha256Hex(member(zip, "site.yaml")),
        certificate_sha256: sha256Hex(crt),
        rootca_sha256: sha256Hex(member(zip, "rootCA.pem")),
        public_key_sha256: spkiSha256(crt.toString("utf8")),
      });
    }
  });

  test("signed.json.sig verifies with openssl as RSA-PSS, MGF1-SHA256, salt 222, under the fixture root", () => {
    for (const s of approveSteps) {
      const name = participantOf(s);
      const zip = zips.get(s.id) as ZipListing;
      const sig = member(zip, "signed.json.sig").toString("ascii");
      assert.match(sig, /^[A-Za-z0-9+/]+=*$/, `${name}: one line of base64, no newline`);
      assert.equal(Buffer.from(sig, "base64").length, 256, name);
      const scratch = join(temp.dir, "sig", name);
      const rootPem = readFixture(SCENARIO, "work", "ca", "rootCA.pem");
      assert.equal(
        verifySignedJsonSignature(scratch, member(zip, "signed.json"), sig, rootPem),
        "Verified OK",
        name,
      );
      // The same check rejects a signature over other bytes, so the verdict above means something.
      const tampered = Buffer.from(member(zip, "signed.json").toString("utf8").replace('"grpc"', '"http"'));
      assert.notEqual(verifySignedJsonSignature(scratch, tampered, sig, rootPem), "Verified OK", name);
    }
  });

  test("openssl verify -CAfile accepts every certificate we issued", () => {
    const rootCa = fixturePath(SCENARIO, "work", "ca", "rootCA.pem");
    for (const s of approveSteps) {
      const name = participantOf(s);
      const crt = join(copies.text.work, name, `${name}.crt`);
      assert.equal(openssl(["verify", "-CAfile", rootCa, crt]).trim(), `${crt}: OK`);
    }
  });

  test("our certificates have the reference's profile: subject, issuer and every extension byte for byte", () => {
    for (const s of approveSteps) {
      const name = participantOf(s);
      const ours = certProfile(member(zips.get(s.id) as ZipListing, `${name}.crt`));
      const theirs = certProfile(readFixture(SCENARIO, "work", name, `${name}.crt`));
      // Same CSR, same CA: nothing but serial, validity and signature may differ, so the
      // extension list (OIDs, criticality, order, values incl. SKI/AKI and SANs) is identical.
      assert.deepEqual(ours, theirs, name);
      assert.deepEqual(
        ours.extensions.map((e) => e.id),
        [
          OID.subjectKeyIdentifier,
          OID.authorityKeyIdentifier,
          OID.basicConstraints,
          OID.keyUsage,
          OID.extKeyUsage,
          OID.subjectAltName,
        ],
        name,
      );
      assert.deepEqual(
        ours.subject.map((rdn) => rdn.map((atv) => atv.split(":")[0])),
        [
          [`${OID.commonName}=utf8String`],
          [`${OID.organization}=utf8String`],
          [`${OID.unstructuredName}=utf8String`],
        ],
        `${name}: three single-attribute RDNs, UTF8String`,
      );
    }
  });

  test("package turns our signed zips plus the reference request folders into the reference's kits", () => {
    const prod = "workspace/hospital_federation/prod_00";
    for (const s of approveSteps) {
      const name = participantOf(s);
      const requestDir = join(copies.text.work, name);
      const ourKit = join(copies.text.work, prod, name);
      assertKitMatchesReference(ourKit, `${SCENARIO}/work/${prod}/${name}`, {
        ownCertificate: join(requestDir, `${name}.crt`),
      });
      assertSameBytes(
        readFileSync(join(requestDir, "signed.json")),
        member(zips.get(s.id) as ZipListing, "signed.json"),
        `${name}: materialized signed.json is the zip member`,
      );
      assertSameRuntimeInvocation(
        ourKit,
        `${SCENARIO}/work/${prod}/${name}`,
        binDir,
        join(temp.dir, "records"),
      );
    }
  });
});
