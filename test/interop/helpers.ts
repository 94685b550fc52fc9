import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, createPublicKey } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, type Name } from "@peculiar/asn1-x509";
import { parse as parseYaml } from "yaml";
import { type CliRun, runCli, TEMP_ENV } from "../helpers/cli.ts";
import { copyScenario, fixturePath } from "../helpers/fixtures.ts";
import { referenceRuntimeInvocation } from "../helpers/golden.ts";
import { fixtureKitListing } from "../helpers/kit-inputs.ts";

// Shared pieces of the interop suite (test/vectors/nvflare/CATALOGUE.md): replaying a
// scenario's logged steps in a temp copy, normalizing machine paths, reading zips with Python's
// zipfile, and comparing our kits with the reference kits. Nothing here calls into src/: the
// suite judges the built CLI with independent code (node:crypto, openssl, python3).

// ---------------------------------------------------------------------------------------------
// Logged steps (logs/NN-<step>.{cmd,rc,changes})
// ---------------------------------------------------------------------------------------------

/** One line of a `.changes` file: what a step added (A), modified (M) or deleted (D). */
export interface ChangeRow {
  tag: "A" | "M" | "D";
  type: "f" | "dir";
  mode: number;
  sha256: string | undefined;
  /** Scenario-relative, e.g. `work/site-1/site-1.key` or `HOME/.nvflare/...`; dirs end in `/`. */
  path: string;
}

/** One reference command of a scenario's `logs/`. */
export interface LoggedStep {
  /** `07-approve-server`. */
  id: string;
  /** The reference's argv after `nvflare` (relative paths, cwd = the scenario's work/). */
  argv: string[];
  rc: number;
  changes: ChangeRow[];
}

/** Parses a `.changes` capture (`tag type mode [size sha256] path`). */
export function parseChanges(text: string): ChangeRow[] {
  const rows: ChangeRow[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const fields = line.trim().split(/\s+/);
    const [tag, type, mode] = fields;
    const path = fields[fields.length - 1] as string;
    rows.push({
      tag: tag as ChangeRow["tag"],
      type: type as ChangeRow["type"],
      mode: Number.parseInt(mode ?? "", 8),
      sha256: type === "f" ? fields[4] : undefined,
      path,
    });
  }
  return rows;
}

/** The steps of `<scenario>/logs`, in order (the missing-builder JSON capture is not a step). */
export function loggedSteps(scenario: string): LoggedStep[] {
  const dir = fixturePath(scenario, "logs");
  return readdirSync(dir)
    .filter((file) => file.endsWith(".cmd"))
    .sort()
    .map((file) => {
      const id = file.slice(0, -".cmd".length);
      const read = (ext: string) => readFileSync(join(dir, `${id}.${ext}`), "utf8");
      const words = read("cmd").trim().split(/\s+/);
      assert.equal(words[0], "nvflare", `${scenario}/${id}`);
      return {
        id,
        argv: words.slice(1),
        rc: Number(read("rc").trim()),
        changes: parseChanges(read("changes")),
      };
    });
}

/** The step whose id starts with `prefix` (e.g. `07-`). */
export function step(steps: LoggedStep[], prefix: string): LoggedStep {
  const found = steps.find((s) => s.id.startsWith(prefix));
  assert.ok(found, `no logged step ${prefix}`);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Scenario copies
// ---------------------------------------------------------------------------------------------

/** A temp copy of a fixture scenario: its work/ (cwd of every command) and the HOME used. */
export interface ScenarioCopy {
  scenario: string;
  root: string;
  work: string;
  home: string;
}

/**
 * Copies `scenario` to `dest` (modes and empty folders restored). `home: "reference"` uses the
 * copied `HOME/` with `<WORKDIR>`/`<HOME>` substituted back to the copy's absolute paths, so
 * the reference's audit records point at the copy (CATALOGUE.md, "Provenance"); `"empty"` uses
 * a fresh, empty home instead.
 */
export function copyFixtureScenario(
  scenario: string,
  dest: string,
  home: "reference" | "empty",
): ScenarioCopy {
  copyScenario(scenario, dest);
  const copy: ScenarioCopy = { scenario, root: dest, work: join(dest, "work"), home: join(dest, "HOME") };
  if (home === "empty") {
    copy.home = join(dest, "empty-home");
    mkdirSync(copy.home);
  }
  // The reference wrote absolute paths into audit records and ca.json; only text files hold them.
  for (const file of [
    ...walkFiles(join(dest, "HOME")),
    ...walkFiles(copy.work).filter((f) => basename(f) === "ca.json"),
  ]) {
    const text = readFileSync(file, "utf8");
    if (!text.includes("<WORKDIR>") && !text.includes("<HOME>")) continue;
    writeFileSync(file, text.replaceAll("<WORKDIR>", copy.work).replaceAll("<HOME>", join(dest, "HOME")));
  }
  return copy;
}

/**
 * Undoes logged steps in a copy: deletes what they added (files first, then folders, deepest
 * first) and moves files they modified back from the `.bak/<ts>/` folder they added beside
 * them (the `cert init --force` layout). The result is the state before those steps.
 */
export function undoSteps(copy: ScenarioCopy, changes: ChangeRow[]): void {
  const local = (path: string) => join(copy.root, path.replace(/\/$/, ""));
  const added = changes.filter((row) => row.tag === "A");
  for (const row of changes.filter((r) => r.tag === "M")) {
    const backup = added.find(
      (a) =>
        a.type === "f" &&
        a.path.startsWith(`${dirname(row.path)}/.bak/`) &&
        basename(a.path) === basename(row.path),
    );
    assert.ok(backup, `no backup of modified ${row.path}`);
    renameSync(local(backup.path), local(row.path));
  }
  for (const row of added.filter((r) => r.type === "f")) rmSync(local(row.path), { force: true });
  const dirs = added.filter((r) => r.type === "dir").map((r) => local(r.path));
  for (const dir of dirs.sort((a, b) => b.length - a.length)) rmSync(dir, { recursive: true, force: true });
}

/** Runs the built CLI in the copy's work/ with the copy's HOME (and extra environment variables). */
export function cliIn(copy: ScenarioCopy, args: string[], env?: Record<string, string>): CliRun {
  return runCli(args, { cwd: copy.work, home: copy.home, ...(env ? { env } : {}) });
}

/** Replaces the copy's absolute work/ and HOME paths with the fixtures' placeholders. */
export function normalizePaths(text: string, copy: ScenarioCopy): string {
  return text.replaceAll(copy.work, "<WORKDIR>").replaceAll(copy.home, "<HOME>");
}

/** Every regular file under `dir` (absolute paths), or none when `dir` does not exist. */
export function walkFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walkFiles(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * A cheap fingerprint of everything under `dir`: relative path → type, mode, size and SHA-256.
 * Two equal snapshots mean a command wrote, changed and deleted nothing there.
 */
export function snapshotTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (abs: string, rel: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const path = join(abs, entry.name);
      const key = rel ? `${rel}/${entry.name}` : entry.name;
      const st = lstatSync(path);
      const mode = (st.mode & 0o7777).toString(8);
      if (entry.isDirectory()) {
        out.set(`${key}/`, `d ${mode}`);
        visit(path, key);
      } else {
        out.set(key, `f ${mode} ${st.size} ${sha256Hex(readFileSync(path))}`);
      }
    }
  };
  if (existsSync(dir)) visit(dir, "");
  return out;
}

/** Asserts that two snapshots are equal, listing what was added, removed or changed. */
export function assertUnchanged(before: Map<string, string>, after: Map<string, string>, what: string): void {
  const diff: string[] = [];
  for (const [path, value] of after) {
    if (!before.has(path)) diff.push(`A ${path}`);
    else if (before.get(path) !== value) diff.push(`M ${path}`);
  }
  for (const path of before.keys()) if (!after.has(path)) diff.push(`D ${path}`);
  assert.deepEqual(diff, [], `${what} changed files`);
}

// ---------------------------------------------------------------------------------------------
// Bytes, hashes, openssl
// ---------------------------------------------------------------------------------------------

/** Lowercase hex SHA-256. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Runs openssl and returns stdout; throws with stderr when it fails. */
export function openssl(args: string[], input?: Uint8Array | string): string {
  return execFileSync("openssl", args, {
    encoding: "utf8",
    input,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Runs openssl and returns its exit status and both streams (for verifications that may fail). */
export function opensslStatus(args: string[]): { status: number; output: string } {
  const run = spawnSync("openssl", args, { encoding: "utf8" });
  return { status: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}

/** Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo of a PEM certificate or public key. */
export function spkiSha256(pem: string): string {
  const der = createPublicKey(pem).export({ type: "spki", format: "der" });
  return sha256Hex(der);
}

/**
 * Verifies `signed.json.sig` the way artifacts.md §9.2 documents the reference's signature:
 * RSA-PSS, SHA-256, MGF1-SHA-256, salt 222 bytes, with the root CA's public key. Returns the
 * openssl verdict (`Verified OK` on success).
 */
export function verifySignedJsonSignature(
  scratch: string,
  signedJson: Uint8Array,
  sigBase64: string,
  rootPem: Uint8Array,
): string {
  mkdirSync(scratch, { recursive: true });
  const files = {
    data: join(scratch, "signed.json"),
    sig: join(scratch, "signed.json.sig.bin"),
    root: join(scratch, "rootCA.pem"),
    pub: join(scratch, "root.pub.pem"),
  };
  writeFileSync(files.data, signedJson);
  writeFileSync(files.sig, Buffer.from(sigBase64, "base64"));
  writeFileSync(files.root, rootPem);
  writeFileSync(files.pub, openssl(["x509", "-in", files.root, "-noout", "-pubkey"]));
  const result = opensslStatus([
    "dgst",
    "-sha256",
    "-sigopt",
    "rsa_padding_mode:pss",
    "-sigopt",
    "rsa_pss_saltlen:222",
    "-sigopt",
    "rsa_mgf1_md:sha256",
    "-verify",
    files.pub,
    "-signature",
    files.sig,
    files.data,
  ]);
  return result.output.trim();
}

// ---------------------------------------------------------------------------------------------
// Zips, read by Python's zipfile (the reference's own zip library)
// ---------------------------------------------------------------------------------------------

/** One member of a zip as Python's zipfile sees it. */
export interface ZipMember {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  externalAttr: number;
  createSystem: number;
  createVersion: number;
  flagBits: number;
  extraLength: number;
  commentLength: number;
  data: Buffer;
}

/** A zip read by Python's zipfile: members in central-directory order. */
export interface ZipListing {
  /** `testzip()`: the first member with a bad CRC, or null. */
  badMember: string | null;
  commentLength: number;
  members: ZipMember[];
}

const PY_READ_ZIPS = `
import base64, json, sys, zipfile
out = []
for path in sys.argv[1:]:
    with zipfile.ZipFile(path) as z:
        members = [{"name": i.filename, "method": i.compress_type, "attr": i.external_attr,
                    "system": i.create_system, "version": i.create_version, "flags": i.flag_bits,
                    "extra": len(i.extra), "comment": len(i.comment),
                    "data": base64.b64encode(z.read(i)).decode()} for i in z.infolist()]
        out.append({"bad": z.testzip(), "comment": len(z.comment), "members": members})
print(json.dumps(out))
`;

/** Reads zips with python3's zipfile (one process for all of them). */
export function readZips(paths: string[]): ZipListing[] {
  const stdout = execFileSync("python3", ["-c", PY_READ_ZIPS, ...paths], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const parsed = JSON.parse(stdout) as {
    bad: string | null;
    comment: number;
    members: {
      name: string;
      method: number;
      attr: number;
      system: number;
      version: number;
      flags: number;
      extra: number;
      comment: number;
      data: string;
    }[];
  }[];
  return parsed.map((zip) => ({
    badMember: zip.bad,
    commentLength: zip.comment,
    members: zip.members.map((m) => ({
      name: m.name,
      method: m.method,
      externalAttr: m.attr,
      createSystem: m.system,
      createVersion: m.version,
      flagBits: m.flags,
      extraLength: m.extra,
      commentLength: m.comment,
      data: Buffer.from(m.data, "base64"),
    })),
  }));
}

/** The member called `name`; fails the test when it is absent. */
export function member(zip: ZipListing, name: string): Buffer {
  const found = zip.members.find((m) => m.name === name);
  assert.ok(found, `zip has no member ${name}`);
  return found.data;
}

/**
 * Asserts the reference's zip writer conventions (artifacts.md §12.3): the members in this
 * order, deflated, Unix "made by" 2.0, permission bits 0600 only, no extras, comments or data
 * descriptors, and intact CRCs.
 */
export function assertReferenceZipLayout(zip: ZipListing, names: string[], label: string): void {
  assert.equal(zip.badMember, null, `${label}: bad CRC`);
  assert.equal(zip.commentLength, 0, `${label}: archive comment`);
  assert.deepEqual(
    zip.members.map((m) => m.name),
    names,
    `${label}: members`,
  );
  for (const m of zip.members) {
    assert.deepEqual(
      {
        method: m.method,
        attr: m.externalAttr,
        system: m.createSystem,
        version: m.createVersion,
        descriptor: m.flagBits & 0x08,
        extra: m.extraLength,
        comment: m.commentLength,
      },
      { method: 8, attr: 0o600 << 16, system: 3, version: 20, descriptor: 0, extra: 0, comment: 0 },
      `${label}: ${m.name}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// JSON in the reference's style
// ---------------------------------------------------------------------------------------------

/**
 * Python `json.dump(obj, indent=2)` for the ASCII-only values these artifacts hold
 * (artifacts.md §12.1): the same text as `JSON.stringify(value, null, 2)`, no trailing newline.
 */
export function pythonJsonIndent2(value: unknown): string {
  const text = JSON.stringify(value, null, 2);
  assert.match(text, /^[\x20-\x7e\n]*$/, "only ASCII expected in these artifacts");
  return text;
}

/** Keys of a JSON object in document order, recursively, as `a`, `b.c`, ... */
export function keyPaths(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
  const out: string[] = [];
  for (const [key, inner] of Object.entries(value)) {
    out.push(`${prefix}${key}`);
    out.push(...keyPaths(inner, `${prefix}${key}.`));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Kits
// ---------------------------------------------------------------------------------------------

/** Files and folders of a kit on disk: relative path → mode (folders end in `/`). */
export function kitListing(kitDir: string): { files: Map<string, number>; dirs: string[] } {
  const files = new Map<string, number>();
  const dirs: string[] = [];
  const visit = (abs: string, rel: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const key = rel ? `${rel}/${entry.name}` : entry.name;
      const path = join(abs, entry.name);
      if (entry.isDirectory()) {
        dirs.push(key);
        visit(path, key);
      } else {
        files.set(key, lstatSync(path).mode & 0o7777);
      }
    }
  };
  visit(kitDir, "");
  return { files, dirs: dirs.sort() };
}

/** Kit files compared by bytes: certificate material (startup-kits.md §2, copied verbatim). */
const CERT_MATERIAL = /^startup\/(.*\.crt|.*\.key|rootCA\.pem)$/;
/** Kit files compared as JSON (startup-kits.md §5, §6). */
const JSON_FILES = /^(startup\/fed_(server|client|admin)\.json|local\/[^/]+\.(json\.default|json\.sample))$/;

/** What {@link assertKitMatchesReference} compared, so callers can assert coverage. */
export interface KitComparison {
  byteIdentical: string[];
  jsonEqual: string[];
  listedOnly: string[];
}

/**
 * Asserts that our kit at `ourKit` matches the reference kit `refKit` (fixture-relative, e.g.
 * `hospital/work/workspace/hospital_federation/prod_00/hospital-a`): the same files and
 * folders with the same modes (file-modes.tsv); byte-identical certificate material (unless
 * `ownCertificate`, when our approval issued the certificate: then it must be the one in our
 * request folder); JSON files equal after parsing and byte for byte. Readmes, the admin
 * notebook and script text are our own wording by design (and NVIDIA's text is not in the
 * vectors: the listing of those files comes from golden/withheld-files.json); scripts are
 * judged by what they run ({@link assertSameRuntimeInvocation}).
 */
export function assertKitMatchesReference(
  ourKit: string,
  refKit: string,
  options: { ownCertificate?: string } = {},
): KitComparison {
  const expected = fixtureKitListing(refKit);
  const actual = kitListing(ourKit);
  assert.deepEqual(actual.dirs, expected.dirs, `${refKit}: folders`);
  assert.deepEqual(
    new Map([...actual.files].sort()),
    new Map([...expected.files].sort()),
    `${refKit}: files and modes`,
  );
  const result: KitComparison = { byteIdentical: [], jsonEqual: [], listedOnly: [] };
  for (const rel of [...actual.files.keys()].sort()) {
    const ours = readFileSync(join(ourKit, rel));
    // Listed-only files (scripts, readmes, notebook) are NVIDIA's text and not in the vectors.
    const theirs = () => readFileSync(fixturePath(refKit, rel));
    if (CERT_MATERIAL.test(rel)) {
      if (options.ownCertificate && rel.endsWith(".crt")) {
        assertSameBytes(ours, readFileSync(options.ownCertificate), `${refKit}: ${rel} is our certificate`);
        assert.notEqual(sha256Hex(ours), sha256Hex(theirs()), `${refKit}: ${rel} was issued anew`);
      } else {
        assertSameBytes(ours, theirs(), `${refKit}: ${rel}`);
      }
      result.byteIdentical.push(rel);
    } else if (JSON_FILES.test(rel)) {
      assert.deepEqual(
        JSON.parse(ours.toString("utf8")),
        JSON.parse(theirs().toString("utf8")),
        `${refKit}: ${rel}`,
      );
      assert.equal(ours.toString("utf8"), theirs().toString("utf8"), `${refKit}: ${rel} bytes`);
      result.jsonEqual.push(rel);
    } else {
      result.listedOnly.push(rel);
    }
  }
  assert.ok(
    result.jsonEqual.some((rel) => rel.startsWith("startup/fed_")),
    `${refKit}: no fed_*.json compared`,
  );
  return result;
}

const FAKE_PYTHON = `#!/usr/bin/env bash
# Test double for python3: records its arguments, one per line, then exits 0.
printf '%s\\n' "$@" > "\${FAKE_PY_RECORD:?}"
`;

/**
 * Writes the fake `python3` used to observe what kit scripts run (the approach of
 * test/kit-scripts.test.ts) into `binDir`, and returns `binDir`.
 */
export function installFakePython(binDir: string): string {
  mkdirSync(binDir, { recursive: true });
  writeFileSync(join(binDir, "python3"), FAKE_PYTHON, { mode: 0o755 });
  return binDir;
}

/**
 * Runs the kit's runtime launcher with the fake python3: `startup/sub_start.sh --once` for
 * server and client kits, `startup/fl_admin.sh` for admin kits. Returns python3's argv with the
 * kit path replaced by `<KIT>`.
 */
export function runtimeInvocation(kitDir: string, binDir: string, record: string): string[] {
  const admin = existsSync(join(kitDir, "startup", "fl_admin.sh"));
  const script = join(kitDir, "startup", admin ? "fl_admin.sh" : "sub_start.sh");
  mkdirSync(dirname(record), { recursive: true });
  rmSync(record, { force: true });
  const run = spawnSync(script, admin ? [] : ["--once"], {
    env: {
      PATH: `${binDir}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      HOME: dirname(record),
      FAKE_PY_RECORD: record,
      ...TEMP_ENV,
    },
    encoding: "utf8",
    timeout: 15_000,
  });
  assert.equal(run.status, 0, `${script}: ${run.stderr}`);
  const argv = readFileSync(record, "utf8").split("\n").slice(0, -1);
  return argv.map((arg) => arg.split(kitDir).join("<KIT>"));
}

/**
 * Asserts that our kit's launcher starts the FLARE runtime exactly as the reference kit's did
 * (same module, same arguments): ours runs with a fake python3; the reference kit's argv is
 * the one golden/kit-scripts.json captured from it (`refKit` fixture-relative, e.g.
 * `hospital/work/workspace/hospital_federation/prod_00/hospital-a`).
 */
export function assertSameRuntimeInvocation(
  ourKit: string,
  refKit: string,
  binDir: string,
  scratch: string,
): string[] {
  const ours = runtimeInvocation(ourKit, binDir, join(scratch, "ours.record"));
  const theirs = referenceRuntimeInvocation(refKit);
  const admin = existsSync(join(ourKit, "startup", "fl_admin.sh"));
  assert.deepEqual(
    { script: theirs.script, args: theirs.args, status: theirs.status },
    admin
      ? { script: "startup/fl_admin.sh", args: [], status: 0 }
      : { script: "startup/sub_start.sh", args: ["--once"], status: 0 },
    `${refKit}: the reference launcher ran as ours did`,
  );
  assert.deepEqual(ours, theirs.argv, `${ourKit}: runtime invocation`);
  assert.ok(ours.includes("-m"), "python3 -m <module>");
  return ours;
}

// ---------------------------------------------------------------------------------------------
// Certificate profiles (certificates.md §3, §4), parsed with @peculiar/asn1-x509
// ---------------------------------------------------------------------------------------------

/** DER bytes of the first PEM block in `pem`. */
export function pemToDer(pem: string | Uint8Array): Uint8Array {
  const text = typeof pem === "string" ? pem : Buffer.from(pem).toString("utf8");
  const body = /-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/.exec(text);
  assert.ok(body, "no PEM block");
  return new Uint8Array(Buffer.from((body[1] ?? "").replace(/\s+/g, ""), "base64"));
}

/** An X.509 name as RDNs of `OID=<string type>:<value>` (the string type is the ASN.1 choice). */
function describeName(name: Name): string[][] {
  return Array.from(name, (rdn) =>
    Array.from(rdn, (atv) => {
      const value = atv.value;
      const choice = (
        [
          "utf8String",
          "printableString",
          "ia5String",
          "teletexString",
          "bmpString",
          "universalString",
        ] as const
      ).find((key) => value[key] !== undefined);
      return `${atv.type}=${choice ?? "other"}:${choice ? value[choice] : ""}`;
    }),
  );
}

/** What the certificate profile fixes: everything but serial, validity and signature value. */
export interface CertProfile {
  version: number;
  signatureAlgorithm: string;
  issuer: string[][];
  issuerDer: string;
  subject: string[][];
  subjectDer: string;
  spkiAlgorithm: string;
  /** Extensions in certificate order: OID, criticality, DER of the value (hex). */
  extensions: { id: string; critical: boolean; value: string }[];
}

/** Parses a PEM certificate into its {@link CertProfile}. */
export function certProfile(pem: string | Uint8Array): CertProfile {
  const cert = AsnConvert.parse(pemToDer(pem), Certificate);
  const tbs = cert.tbsCertificate;
  const hex = (bytes: ArrayBuffer) => Buffer.from(bytes).toString("hex");
  return {
    version: tbs.version,
    signatureAlgorithm: cert.signatureAlgorithm.algorithm,
    issuer: describeName(tbs.issuer),
    issuerDer: hex(AsnConvert.serialize(tbs.issuer)),
    subject: describeName(tbs.subject),
    subjectDer: hex(AsnConvert.serialize(tbs.subject)),
    spkiAlgorithm: tbs.subjectPublicKeyInfo.algorithm.algorithm,
    extensions: Array.from(tbs.extensions ?? [], (ext) => ({
      id: ext.extnID,
      critical: ext.critical,
      value: hex(ext.extnValue.buffer),
    })),
  };
}

/** Extension OIDs of certificates.md §3/§4. */
export const OID = {
  subjectKeyIdentifier: "2.5.29.14",
  authorityKeyIdentifier: "2.5.29.35",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  unstructuredName: "1.2.840.113549.1.9.2",
  sha256WithRSA: "1.2.840.113549.1.1.11",
  rsaEncryption: "1.2.840.113549.1.1.1",
} as const;

/** A profile with the values of the named extensions blanked (they legitimately differ). */
export function maskExtensions(profile: CertProfile, ids: string[]): CertProfile {
  return {
    ...profile,
    extensions: profile.extensions.map((ext) =>
      ids.includes(ext.id) ? { ...ext, value: "<differs>" } : ext,
    ),
  };
}

/** Asserts byte equality of two buffers (reporting hashes, not dumps). */
export function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.equal(sha256Hex(actual), sha256Hex(expected), `${what}: bytes differ`);
}

// ---------------------------------------------------------------------------------------------
// Output lines that are ours only
// ---------------------------------------------------------------------------------------------

const SECURITY_WARNING =
  /^Warning: the server's local connection_security '[^']*' differs from the approved project default '[^']*'\..*\n/m;

/**
 * Our `package` adds one human line the reference does not print: a warning when a server's
 * local `connection_security` differs from the approved project default, because its clients
 * then cannot connect (docs/interop.md). Returns `text` without that line and whether it was there.
 */
export function splitSecurityWarning(text: string): { text: string; warned: boolean } {
  return { text: text.replace(SECURITY_WARNING, ""), warned: SECURITY_WARNING.test(text) };
}

const LEDGER_STARTED = /^Note: started the issuance ledger \S+: this CA folder had none .*\n/m;

/**
 * Our `cert approve` adds one human line the reference does not print, once per CA folder: the
 * note that its first approval started the issuance ledger (docs/interop.md). Returns `text`
 * without that line and whether it was there.
 */
export function splitLedgerNote(text: string): { text: string; noted: boolean } {
  return { text: text.replace(LEDGER_STARTED, ""), noted: LEDGER_STARTED.test(text) };
}

/**
 * True when the reference request folder `requestDir` (fixture-relative) is a server whose local
 * site.yaml overrides connection_security with another mode than its signed.json default.
 */
export function expectsSecurityWarning(requestDir: string): boolean {
  const site = parseYaml(readFileSync(fixturePath(requestDir, "site.yaml"), "utf8"), { version: "1.1" }) as {
    participants: { type: string; connection_security?: string }[];
  };
  const signed = JSON.parse(readFileSync(fixturePath(requestDir, "signed.json"), "utf8")) as {
    default_connection_security: string;
  };
  const p = site.participants[0];
  return (
    p?.type === "server" &&
    typeof p.connection_security === "string" &&
    p.connection_security.toLowerCase() !== signed.default_connection_security
  );
}
