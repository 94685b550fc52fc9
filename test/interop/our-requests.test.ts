import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createPublicKey } from "node:crypto";
import { chmodSync, cpSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CertificationRequest } from "@peculiar/asn1-csr";
import { AsnConvert } from "@peculiar/asn1-schema";
import { parse as parseYaml } from "yaml";
import { type CliRun, runCli, TEMP_ENV } from "../helpers/cli.ts";
import { fixturePath, makeTempDir, readFixture } from "../helpers/fixtures.ts";
import {
  assertReferenceZipLayout,
  assertSameBytes,
  type CertProfile,
  certProfile,
  cliIn,
  copyFixtureScenario,
  keyPaths,
  type LoggedStep,
  loggedSteps,
  maskExtensions,
  member,
  normalizePaths,
  OID,
  pemToDer,
  pythonJsonIndent2,
  readZips,
  type ScenarioCopy,
  sha256Hex,
  undoSteps,
  type ZipListing,
} from "./helpers.ts";

// Direction 3 of the interop proof: what our `cert request` writes is what the reference's
// `cert approve` accepts, and what our `cert approve` issues has the reference's profile.
// For every participant file in the fixtures that the reference requested successfully, our
// request must write the reference's local and sanitized site.yaml byte for byte and a
// request.json with the reference's fields; an independent checker written here from
// validation.md §4.3 rows 3-19c (python3 zipfile, PyYAML when present, openssl) must find
// nothing wrong with our zip. The reference CLI itself is not installed here (the suite
// would run it instead if `python3 -c "import nvflare"` worked; see docs/interop.md).
// Our approval with the reference's own CA must then give certificates with the reference's
// extensions. Steps 01-06 of hospital/ show our output has the reference's keys and shapes.

const SCENARIOS = [
  "hospital",
  "deploy-01",
  "builders",
  "errors",
  ...["grpc-mtls", "tcp-clear", "http-clear", "http-mtls", "grpc-tls-server-mtls"].map(
    (v) => `local-demo/${v}`,
  ),
];

/** One successful reference `cert request`, and the approval of it when there was one. */
interface ReferenceRequest {
  scenario: string;
  participantFile: string;
  /** Request folder, relative to the scenario's work/. */
  requestDir: string;
  name: string;
  approve: { caDir: string; profile: string; signedZip: string } | undefined;
}

function optionValue(argv: string[], option: string): string | undefined {
  const at = argv.indexOf(option);
  return at >= 0 ? argv[at + 1] : undefined;
}

function referenceRequests(): ReferenceRequest[] {
  const out: ReferenceRequest[] = [];
  for (const scenario of SCENARIOS) {
    const steps = loggedSteps(scenario);
    for (const s of steps.filter((x) => x.argv[1] === "request" && x.rc === 0)) {
      const zipRow = s.changes.find((row) => row.path.endsWith(".request.zip"));
      assert.ok(zipRow, `${scenario}/${s.id}`);
      const zipPath = zipRow.path.slice("work/".length);
      const name = basename(zipPath, ".request.zip");
      const approveStep = steps.find(
        (x: LoggedStep) => x.argv[1] === "approve" && x.argv[2] === zipPath && x.rc === 0,
      );
      out.push({
        scenario,
        participantFile: optionValue(s.argv, "--participant") as string,
        requestDir: dirname(zipPath),
        name,
        approve: approveStep && {
          caDir: optionValue(approveStep.argv, "--ca-dir") as string,
          profile: optionValue(approveStep.argv, "--profile") as string,
          signedZip: optionValue(approveStep.argv, "--out") ?? join(dirname(zipPath), `${name}.signed.zip`),
        },
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The reference's approve rules, re-implemented independently (validation.md §1, §3, §4.3)
// ---------------------------------------------------------------------------------------------

const ALL_KEY_MARKERS = [
  "-----BEGIN PRIVATE KEY-----",
  "-----BEGIN ENCRYPTED PRIVATE KEY-----",
  "-----BEGIN RSA PRIVATE KEY-----",
  "-----BEGIN EC PRIVATE KEY-----",
  "-----BEGIN DSA PRIVATE KEY-----",
  "-----BEGIN OPENSSH PRIVATE KEY-----",
];
const CERT_TYPES = ["client", "lead", "member", "org_admin", "server"];
const USER_ROLES = ["org_admin", "lead", "member"];
const PROJECT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;
const ORG = /^[A-Za-z0-9_]+$/;
const CLIENT = /^[A-Za-z0-9-_]+$/;
const HOST =
  /^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$/;
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}$/;
const REQUEST_ID =
  /^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;
const REQUIRED = [
  "artifact_type",
  "schema_version",
  "request_id",
  "project",
  "name",
  "org",
  "kind",
  "cert_type",
  "csr_sha256",
  "public_key_sha256",
  "site_yaml_sha256",
];

function projectOk(value: unknown): boolean {
  return typeof value === "string" && value.trim() !== "" && value.length <= 64 && PROJECT.test(value);
}

function safeNameOk(value: unknown, certType: unknown): boolean {
  return (
    typeof value === "string" &&
    value.trim() !== "" &&
    (certType === "server" || value.length <= 64) &&
    !value.includes("/") &&
    !value.startsWith(".") &&
    SAFE_NAME.test(value)
  );
}

/** Name, org and kind/type/role a site.yaml says (request steps 5-10, approve row 16). */
function siteIdentity(site: unknown): Record<string, unknown> | string {
  if (typeof site !== "object" || site === null || Array.isArray(site)) return "site.yaml is not a mapping";
  const top = site as Record<string, unknown>;
  const participants = top.participants;
  if (!top.name || !Array.isArray(participants) || participants.length !== 1)
    return "not exactly one participant";
  const p = participants[0] as Record<string, unknown>;
  if (typeof p !== "object" || p === null || !p.name || !p.org || !p.type)
    return "participant lacks name/org/type";
  const role = typeof p.role === "string" ? p.role.trim().replace("org-admin", "org_admin") : p.role;
  const kinds: Record<string, [string, unknown, unknown]> = {
    client: ["site", "client", null],
    server: ["server", "server", null],
    admin: ["user", role, role],
  };
  const kind = kinds[p.type as string];
  if (!kind) return `participant type ${String(p.type)}`;
  return {
    project: top.name,
    name: p.name,
    org: p.org,
    kind: kind[0],
    cert_type: kind[1],
    cert_role: kind[2],
    participant: p,
  };
}

/** Subject attributes of a CSR: OID → string values, in order. */
function csrSubject(csrPem: string): Map<string, string[]> {
  const csr = AsnConvert.parse(pemToDer(csrPem), CertificationRequest);
  const out = new Map<string, string[]>();
  for (const rdn of csr.certificationRequestInfo.subject) {
    for (const atv of rdn) out.set(atv.type, [...(out.get(atv.type) ?? []), atv.value.toString()]);
  }
  return out;
}

/**
 * Every check of the reference's `cert approve` up to its CA steps (validation.md §4.3 rows
 * 3-19c), applied to a request zip; site.yaml is read with YAML 1.1 rules, as PyYAML reads it.
 * Returns the violations (empty when the reference would accept the zip).
 */
function referenceApproveViolations(zip: ZipListing): string[] {
  const v: string[] = [];
  if (zip.badMember !== null) v.push(`row 3: bad member ${zip.badMember}`);
  const seen = new Set<string>();
  for (const m of zip.members) {
    const n = m.name;
    const type = (m.externalAttr >>> 16) & 0o170000;
    const unsafe =
      n === "" ||
      n === "." ||
      n.endsWith("/") ||
      n.startsWith("/") ||
      n.includes("\\") ||
      [...n].some((ch) => ch.charCodeAt(0) < 0x20) ||
      n.includes("/") ||
      n.split("/").includes("..") ||
      type === 0o040000 ||
      type === 0o120000;
    if (unsafe) v.push(`row 4: unsafe member ${n}`);
    if (seen.has(n)) v.push(`row 4: duplicate ${n}`);
    seen.add(n);
    if (m.data.length > 10 * 1024 * 1024) v.push(`row 4: ${n} too large`);
    if (n.toLowerCase().endsWith(".key")) v.push(`row 4: key member ${n}`);
    if (ALL_KEY_MARKERS.some((marker) => m.data.includes(marker))) v.push(`row 4: private key in ${n}`);
  }
  const get = (name: string) => zip.members.find((m) => m.name === name)?.data;
  const requestBytes = get("request.json");
  const siteBytes = get("site.yaml");
  if (!requestBytes || !siteBytes) return [...v, "row 5: request.json or site.yaml missing"];
  let request: Record<string, unknown>;
  try {
    request = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(requestBytes));
    if (typeof request !== "object" || request === null || Array.isArray(request))
      throw new Error("not an object");
  } catch (error) {
    return [...v, `row 6: ${(error as Error).message}`];
  }
  if (!safeNameOk(request.name, request.cert_type)) v.push("row 7: name");
  const expectedSet = ["request.json", "site.yaml", `${String(request.name)}.csr`].sort();
  if (JSON.stringify(zip.members.map((m) => m.name).sort()) !== JSON.stringify(expectedSet))
    v.push("row 8: member set");
  const site = yaml11(siteBytes);
  const missing = REQUIRED.filter((key) => !request[key]);
  if (missing.length) v.push(`row 10: missing ${missing}`);
  if (request.artifact_type !== "nvflare.cert.request" || request.schema_version !== "1") v.push("row 11");
  if (typeof request.request_id !== "string" || !REQUEST_ID.test(request.request_id)) v.push("row 12");
  if (!projectOk(request.project)) v.push("row 13: project");
  if (typeof request.org !== "string" || !ORG.test(request.org)) v.push("row 13: org");
  if (!CERT_TYPES.includes(request.cert_type as string)) v.push("row 13: cert_type");
  const kindOk =
    (request.kind === "site" && request.cert_type === "client") ||
    (request.kind === "server" && request.cert_type === "server") ||
    (request.kind === "user" &&
      USER_ROLES.includes(request.cert_type as string) &&
      (!request.cert_role || request.cert_role === request.cert_type));
  if (!kindOk) v.push("row 14: kind/cert_type/cert_role");
  const name = String(request.name);
  const typeRule = {
    site: CLIENT.test(name) && name.length <= 64,
    server: HOST.test(name),
    user: EMAIL.test(name),
  };
  if (!typeRule[request.kind as keyof typeof typeRule]) v.push("row 15: name for type");
  const identity = siteIdentity(site);
  if (typeof identity === "string") return [...v, `row 16: ${identity}`];
  for (const field of ["name", "org", "cert_type", "project", "kind"]) {
    if (identity[field] !== request[field]) v.push(`row 17: ${field}`);
  }
  if ((identity.cert_role ?? null) !== (request.cert_role ?? null)) v.push("row 17: cert_role");
  const participant = identity.participant as Record<string, unknown>;
  if ("connection_security" in participant || "listening_host" in participant) v.push("row 18");
  if (sha256Hex(siteBytes) !== request.site_yaml_sha256) v.push("row 19a: site.yaml hash");
  const csrBytes = get(`${name}.csr`);
  if (!csrBytes) return [...v, "row 19b: no CSR"];
  const verify = spawnSync("openssl", ["req", "-noout", "-verify"], { input: csrBytes, encoding: "utf8" });
  if (verify.status !== 0 || !/verify OK/.test(`${verify.stdout}${verify.stderr}`))
    v.push("row 19b: CSR signature");
  const subject = csrSubject(csrBytes.toString("utf8"));
  const cn = request.cert_type === "server" ? name.slice(0, 64) : name;
  if (subject.get(OID.commonName)?.[0] !== cn) v.push("row 19c: CN");
  if (subject.get(OID.unstructuredName)?.[0] !== request.cert_type) v.push("row 19c: unstructuredName");
  if (subject.get(OID.organization)?.[0] !== request.org) v.push("row 19c: O");
  if (sha256Hex(csrBytes) !== request.csr_sha256) v.push("row 19c: CSR hash");
  const pubkey = execFileSync("openssl", ["req", "-noout", "-pubkey"], { input: csrBytes, encoding: "utf8" });
  const spki = createPublicKey(pubkey).export({ type: "spki", format: "der" });
  if (sha256Hex(spki) !== request.public_key_sha256) v.push("row 19c: public key hash");
  return v;
}

/** True when the reference CLI itself can run here (CATALOGUE.md: `python3 -m nvflare.cli`). */
const HAS_NVFLARE = spawnSync("python3", ["-c", "import nvflare"]).status === 0;

/** True when python3 has PyYAML (the reference's YAML library); then it parses site.yaml too. */
const HAS_PYYAML = spawnSync("python3", ["-c", "import yaml"]).status === 0;

/** site.yaml parsed by PyYAML safe_load, for many documents in one python3 process. */
function pyyamlLoadAll(documents: Buffer[]): unknown[] {
  const script =
    "import base64, json, sys, yaml\n" +
    "docs = json.load(sys.stdin)\n" +
    "print(json.dumps([yaml.safe_load(base64.b64decode(d)) for d in docs], default=str))\n";
  const out = execFileSync("python3", ["-c", script], {
    input: JSON.stringify(documents.map((d) => d.toString("base64"))),
    encoding: "utf8",
  });
  return JSON.parse(out) as unknown[];
}

/** YAML 1.1 parse with the `yaml` package (the test's own reader, not ours). */
function yaml11(bytes: Buffer): unknown {
  return parseYaml(bytes.toString("utf8"), { version: "1.1" });
}

// ---------------------------------------------------------------------------------------------

describe("our requests and approvals, the reference's rules", () => {
  const temp = makeTempDir("flare-interop-requests-");
  const home = join(temp.dir, "home");
  const requests = referenceRequests();
  /** One of our requests per distinct participant file (several local-demo files are equal). */
  const groups = new Map<
    string,
    {
      ours: string;
      members: ReferenceRequest[];
      run?: CliRun;
      approve?: CliRun;
      ca?: { dir: string; profile: string };
    }
  >();
  const ourZips = new Map<string, ZipListing>();

  before(() => {
    mkdirSync(home);
    // Approvals use copies of the reference CAs (approve reads them; the fixtures stay untouched).
    const caCopies = new Map<string, string>();
    const caCopy = (scenario: string, rel: string) => {
      const key = `${scenario}/${rel}`;
      if (!caCopies.has(key)) {
        const dest = join(temp.dir, "ca", scenario, rel);
        cpSync(fixturePath(scenario, "work", rel), dest, { recursive: true });
        chmodSync(dest, 0o700);
        chmodSync(join(dest, "rootCA.key"), 0o600);
        caCopies.set(key, dest);
      }
      return caCopies.get(key) as string;
    };
    for (const r of requests) {
      const key = sha256Hex(readFixture(r.scenario, "work", r.participantFile));
      const group = groups.get(key) ?? { ours: join(temp.dir, "requests", `${groups.size}`), members: [] };
      group.members.push(r);
      groups.set(key, group);
    }
    for (const group of groups.values()) {
      const first = group.members[0] as ReferenceRequest;
      group.run = runCli(
        [
          "cert",
          "request",
          "--participant",
          fixturePath(first.scenario, "work", first.participantFile),
          "--out",
          group.ours,
        ],
        { cwd: temp.dir, home },
      );
      const approved = group.members.find((m) => m.approve);
      if (group.run.code === 0 && approved?.approve) {
        const profile = join(caCopy(approved.scenario, approved.approve.caDir), "..", "profile.yaml");
        cpSync(fixturePath(approved.scenario, "work", approved.approve.profile), profile);
        group.ca = { dir: caCopy(approved.scenario, approved.approve.caDir), profile };
        group.approve = runCli(
          [
            "cert",
            "approve",
            join(group.ours, `${first.name}.request.zip`),
            "--ca-dir",
            caCopy(approved.scenario, approved.approve.caDir),
            "--profile",
            profile,
            "--out",
            join(group.ours, "approved", `${first.name}.signed.zip`),
          ],
          { cwd: temp.dir, home },
        );
      }
    }
    const listed = readZips(
      [...groups.values()].map((g) => join(g.ours, `${g.members[0]?.name}.request.zip`)),
    );
    for (const [i, g] of [...groups.values()].entries()) ourZips.set(g.ours, listed[i] as ZipListing);
  });
  after(temp.cleanup);

  test("our cert request accepts every participant file the reference accepted", () => {
    assert.equal(requests.length, 5 + 2 + 4 + 7 + 15);
    assert.ok(groups.size >= 20, `${groups.size} distinct participant files`);
    for (const group of groups.values()) {
      assert.equal(group.run?.code, 0, `${group.members[0]?.participantFile}: ${group.run?.stderr}`);
    }
  });

  test("our local and sanitized site.yaml are byte-identical to the reference's for every participant file", () => {
    const referenceZips = readZips(
      requests.map((r) => fixturePath(r.scenario, "work", r.requestDir, `${r.name}.request.zip`)),
    );
    for (const group of groups.values()) {
      const ours = ourZips.get(group.ours) as ZipListing;
      for (const r of group.members) {
        const label = `${r.scenario}/${r.participantFile}`;
        const theirs = referenceZips[requests.indexOf(r)] as ZipListing;
        assertSameBytes(
          readFileSync(join(group.ours, "site.yaml")),
          readFixture(r.scenario, "work", r.requestDir, "site.yaml"),
          `${label}: local site.yaml`,
        );
        assertSameBytes(
          member(ours, "site.yaml"),
          member(theirs, "site.yaml"),
          `${label}: sanitized site.yaml`,
        );
      }
    }
  });

  test("our request.json has the reference's fields, order, types and hashes", () => {
    for (const group of groups.values()) {
      const r = group.members[0] as ReferenceRequest;
      const label = `${r.scenario}/${r.participantFile}`;
      const bytes = readFileSync(join(group.ours, "request.json"));
      const ours = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
      const theirs = JSON.parse(
        Buffer.from(readFixture(r.scenario, "work", r.requestDir, "request.json")).toString("utf8"),
      ) as Record<string, unknown>;
      assert.deepEqual(keyPaths(ours), keyPaths(theirs), label);
      assert.equal(
        bytes.toString("utf8"),
        pythonJsonIndent2(ours),
        `${label}: indent=2, no trailing newline`,
      );
      assertSameBytes(
        member(ourZips.get(group.ours) as ZipListing, "request.json"),
        bytes,
        `${label}: zip copy`,
      );
      const fixed = [
        "artifact_type",
        "schema_version",
        "project",
        "name",
        "org",
        "kind",
        "cert_type",
        "cert_role",
      ];
      for (const key of [...fixed, "site_yaml_sha256"])
        assert.deepEqual(ours[key], theirs[key], `${label}: ${key}`);
      assert.match(ours.request_id as string, /^[0-9a-f]{32}$/, label);
      assert.match(ours.created_at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, label);
      for (const key of ["csr_sha256", "public_key_sha256"])
        assert.match(ours[key] as string, /^[0-9a-f]{64}$/);
      assert.equal(statSync(join(group.ours, "request.json")).mode & 0o777, 0o600, label);
    }
  });

  test("the reference's approve rules (validation.md §4.3 rows 3-19c) find nothing wrong with our request zips", () => {
    for (const group of groups.values()) {
      const zip = ourZips.get(group.ours) as ZipListing;
      const name = group.members[0]?.name as string;
      assertReferenceZipLayout(zip, ["request.json", "site.yaml", `${name}.csr`], name);
      assert.deepEqual(referenceApproveViolations(zip), [], name);
    }
  });

  test("PyYAML, the reference's YAML reader, reads our sanitized site.yaml files with the same values", {
    skip: HAS_PYYAML ? false : "python3 has no PyYAML here",
  }, () => {
    const zips = [...groups.values()].map((g) => ourZips.get(g.ours) as ZipListing);
    const pyyaml = pyyamlLoadAll(zips.map((z) => member(z, "site.yaml")));
    for (const [i, zip] of zips.entries()) {
      const site = yaml11(member(zip, "site.yaml"));
      assert.ok(typeof site === "object" && site !== null);
      assert.deepEqual(pyyaml[i], JSON.parse(JSON.stringify(site)));
    }
  });

  test("the independent checker does reject what the reference rejected (errors/work/cases)", () => {
    const cases = ["tampered-request-json-hash", "request-zip-with-key", "request-zip-path-traversal"];
    const zips = readZips(cases.map((c) => fixturePath("errors", "work", "cases", c, "site-1.request.zip")));
    const verdicts = zips.map((zip) => referenceApproveViolations(zip));
    assert.deepEqual(verdicts, [
      ["row 19c: CSR hash"],
      ["row 4: key member site-1.key", "row 4: private key in site-1.key", "row 8: member set"],
      ["row 4: unsafe member ../x", "row 8: member set"],
    ]);
    const original = readZips([
      fixturePath("errors", "work", "site-1", "site-1.request.zip"),
    ])[0] as ZipListing;
    assert.deepEqual(referenceApproveViolations(original), []);
  });

  test("the reference's own cert approve accepts our request zips", {
    skip: HAS_NVFLARE ? false : "the reference CLI is not installed (python3 -c 'import nvflare' fails)",
  }, () => {
    // Only runs where NVFlare is importable: then the reference itself is the judge.
    for (const group of groups.values()) {
      if (!group.ca) continue;
      const name = group.members[0]?.name as string;
      const run = spawnSync(
        "python3",
        [
          "-m",
          "nvflare.cli",
          "--format",
          "json",
          "cert",
          "approve",
          join(group.ours, `${name}.request.zip`),
          "--ca-dir",
          group.ca.dir,
          "--profile",
          group.ca.profile,
          "--out",
          join(group.ours, "reference-approved", `${name}.signed.zip`),
        ],
        {
          encoding: "utf8",
          // PYTHONPATH passes through so a source checkout of NVFlare can be the judge.
          env: {
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            HOME: home,
            LANG: "C.UTF-8",
            ...TEMP_ENV,
            ...(process.env.PYTHONPATH ? { PYTHONPATH: process.env.PYTHONPATH } : {}),
          },
        },
      );
      assert.equal(run.status, 0, `${name}: ${run.stdout}${run.stderr}`);
    }
  });

  test("our approval of our requests with the reference's own CA issues certificates with the reference's profile", () => {
    let compared = 0;
    for (const group of groups.values()) {
      const r = group.members.find((m) => m.approve);
      if (!r?.approve || !group.approve) continue;
      assert.equal(group.approve.code, 0, `${r.participantFile}: ${group.approve.stderr}`);
      const ours = readZips([join(group.ours, "approved", `${r.name}.signed.zip`)])[0] as ZipListing;
      const theirs = readZips([fixturePath(r.scenario, "work", r.approve.signedZip)])[0] as ZipListing;
      const profile = (zip: ZipListing): CertProfile =>
        maskExtensions(certProfile(member(zip, `${r.name}.crt`)), [OID.subjectKeyIdentifier]);
      // Another key, so the SubjectKeyIdentifier differs; everything else, incl. the AKI of the
      // same root, the SANs and every criticality, is the reference's.
      assert.deepEqual(profile(ours), profile(theirs), `${r.scenario}/${r.name}`);
      compared += 1;
    }
    assert.ok(compared >= 18, `${compared} certificates compared`);
  });
});

// ---------------------------------------------------------------------------------------------
// hospital/ steps 01-06: cert init and cert request output
// ---------------------------------------------------------------------------------------------

/** Output with paths normalized and random values replaced, so two runs compare equal. */
function shape(text: string): string {
  return text
    .replace(/SHA256(:[0-9A-F]{2}){32}/g, "<FINGERPRINT>")
    .replace(/\b[0-9a-f]{32}\b/g, "<REQUEST_ID>")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, "<TIME>");
}

/**
 * Our `cert request` output minus its one addition (docs/interop.md): the `request_code` key
 * and the sentence after the reference's `next_step` telling the requester to read it out.
 * Checks the addition is there, so removing it cannot hide its absence.
 */
function withoutRequestCode(stdout: string, mode: "text" | "json"): string {
  if (!/request_code/.test(stdout)) return stdout;
  const code = "[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}";
  const tail = new RegExp(` then read the request code ${code} to them over a channel they trust[^"\n]*`);
  assert.match(stdout, tail);
  const line =
    mode === "json" ? new RegExp(`, "request_code": "${code}"`) : new RegExp(`request_code: ${code}\n`);
  assert.match(stdout, line);
  return stdout.replace(line, "").replace(tail, "").replace("Project Admin,", "Project Admin.");
}

describe("cert init and cert request print the reference's keys and value shapes (hospital steps 01-06)", () => {
  const temp = makeTempDir("flare-interop-init-request-");
  const steps = loggedSteps("hospital").filter((s) => s.argv[1] === "init" || s.argv[1] === "request");
  const copies = {} as Record<"text" | "json", ScenarioCopy>;
  const runs = { text: new Map<string, CliRun>(), json: new Map<string, CliRun>() };

  before(() => {
    for (const mode of ["text", "json"] as const) {
      // Back to the inputs only: every step's outputs undone.
      const copy = copyFixtureScenario("hospital", join(temp.dir, mode), "empty");
      undoSteps(
        copy,
        loggedSteps("hospital").flatMap((s) => s.changes),
      );
      for (const s of steps)
        runs[mode].set(s.id, cliIn(copy, mode === "json" ? ["--format", "json", ...s.argv] : s.argv));
      copies[mode] = copy;
    }
  });
  after(temp.cleanup);

  for (const mode of ["text", "json"] as const) {
    test(`steps 01-06 print the reference's fields, in order, with the same value shapes (${mode} mode)`, () => {
      assert.equal(steps.length, 6);
      for (const s of steps) {
        const run = runs[mode].get(s.id) as CliRun;
        const expected = readFileSync(fixturePath("outputs", mode, `${s.id}.stdout`), "utf8");
        assert.equal(run.code, 0, `${s.id}: ${run.stderr}`);
        assert.equal(run.stderr, "", s.id);
        const ours = shape(withoutRequestCode(normalizePaths(run.stdout, copies[mode]), mode));
        const theirs = shape(expected);
        if (mode === "json") {
          const parse = (text: string) => JSON.parse(text) as { data: Record<string, unknown> };
          assert.deepEqual(keyPaths(parse(ours)), keyPaths(parse(theirs)), s.id);
        }
        assert.equal(ours, theirs, s.id);
      }
    });
  }

  test("our root CA has the reference's certificate profile (certificates.md §3)", () => {
    const ours = certProfile(readFileSync(join(copies.text.work, "ca", "rootCA.pem")));
    const theirs = certProfile(readFixture("hospital", "work", "ca", "rootCA.pem"));
    const keyIds = [OID.subjectKeyIdentifier, OID.authorityKeyIdentifier];
    assert.deepEqual(maskExtensions(ours, keyIds), maskExtensions(theirs, keyIds));
    assert.deepEqual(
      ours.extensions.map((e) => [e.id, e.critical]),
      [
        [OID.subjectKeyIdentifier, false],
        [OID.authorityKeyIdentifier, false],
        [OID.basicConstraints, true],
        [OID.keyUsage, true],
        [OID.subjectAltName, false],
      ],
    );
    assert.equal(ours.subject.flat().join(), `${OID.commonName}=utf8String:hospital_federation`);
  });
});
