import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { okData, runCli } from "../helpers/cli.ts";
import { copyScenario, makeTempDir } from "../helpers/fixtures.ts";

const ERRORS_FP =
  "SHA256:4D:6C:F8:4F:42:85:F8:C2:5C:84:FD:3D:8F:C0:D6:5B:68:BA:EA:D5:9E:50:84:51:5A:EC:F1:A7:48:AB:1F:38";

/** cli.md §3: the keys of `cert approve`'s result, in order. */
const APPROVE_KEYS = [
  "name",
  "project",
  "org",
  "kind",
  "cert_role",
  "cert_type",
  "csr_sha256",
  "provision_version",
  "signed_zip",
  "request_id",
  "rootca_fingerprint_sha256",
  "audit",
  "next_step",
];

type Record_ = Record<string, unknown>;

describe("cert approve with several request zips, a folder, or --dry-run", () => {
  const { dir, cleanup } = makeTempDir("flare-batch-");
  const work = join(dir, "errors", "work");
  const hospital = join(dir, "hospital", "work");
  const home = join(dir, "home");
  const approve = (cwd: string, ...args: string[]) =>
    runCli(["cert", "approve", ...args, "-c", "ca", "--profile", "project_profile.yaml"], { cwd, home });
  const inbox = (name: string) => join(work, name);

  /** A folder holding two good request zips and two bad ones (errors fixture cases). */
  function makeInbox(name: string): void {
    mkdirSync(inbox(name));
    copyFileSync(join(work, "site-1/site-1.request.zip"), join(inbox(name), "site-1.request.zip"));
    copyFileSync(join(work, "site-5/site-5.request.zip"), join(inbox(name), "site-5.request.zip"));
    copyFileSync(
      join(work, "cases/tampered-request-json-hash/site-1.request.zip"),
      join(inbox(name), "a-tampered.request.zip"),
    );
    copyFileSync(
      join(work, "cases/request-zip-with-key/site-1.request.zip"),
      join(inbox(name), "b-with-key.request.zip"),
    );
  }

  before(() => {
    mkdirSync(home);
    copyScenario("errors", join(dir, "errors"));
    copyScenario("hospital", join(dir, "hospital"));
  });
  after(cleanup);

  test("a folder: signs each valid zip, one line per zip, goes on past bad ones, exits non-zero", () => {
    makeInbox("inbox");
    const run = approve(work, "inbox");
    assert.equal(run.code, 4);
    const all = run.stdout.split("\n").filter(Boolean);
    // The CA folder had no issuance ledger: its first approval starts one and says so, once.
    assert.deepEqual(
      all.filter((line) => line.startsWith("Note: ")).map((line) => line.slice(0, 40)),
      ["Note: started the issuance ledger ca/led"],
    );
    const lines = all.filter((line) => !line.startsWith("Note: "));
    assert.equal(lines.length, 5);
    assert.equal(
      lines[0],
      "failed         inbox/a-tampered.request.zip: INVALID_ARGS: Invalid arguments. \u2014 CSR hash does not match request metadata",
    );
    assert.equal(
      lines[1],
      "failed         inbox/b-with-key.request.zip: INVALID_ARGS: Invalid arguments. \u2014 request zip must not contain private keys: site-1.key",
    );
    assert.match(
      lines[2] ?? "",
      /^approved {7}inbox\/site-1\.request\.zip -> .*\/inbox\/site-1\.signed\.zip: client site-1 \(O=hospital_alpha\), request_id bea884351e334d52a0760b89756be39e$/,
    );
    assert.match(lines[3] ?? "", /^approved {7}inbox\/site-5\.request\.zip -> /);
    assert.equal(lines[4], "approved 2 of 4 request zips, 2 failed");
    assert.equal(
      run.stderr,
      "2 of 4 request zips failed: inbox/a-tampered.request.zip, inbox/b-with-key.request.zip.\n" +
        "Hint: Fix or remove the failed request zips and approve them again; the others were signed.\n" +
        "Code: BATCH_APPROVE_FAILED (exit 4)\n",
    );
    assert.deepEqual(
      readdirSync(inbox("inbox"))
        .filter((f) => f.endsWith(".signed.zip"))
        .sort(),
      ["site-1.signed.zip", "site-5.signed.zip"],
    );
    // The signed zips are genuine: package takes one.
    const pkg = runCli(
      [
        "--format",
        "json",
        "package",
        "inbox/site-5.signed.zip",
        "--request-dir",
        "site-5",
        "-w",
        "ws",
        "--fingerprint",
        ERRORS_FP,
      ],
      { cwd: work, home },
    );
    okData(pkg);
  });

  test("JSON mode: one envelope, data.results holds one record per zip in order", () => {
    makeInbox("inbox-json");
    const run = runCli(
      ["--format", "json", "cert", "approve", "inbox-json", "-c", "ca", "--profile", "project_profile.yaml"],
      { cwd: work, home },
    );
    assert.equal(run.code, 4);
    assert.equal(run.stderr, "");
    assert.equal(run.json?.error_code, "BATCH_APPROVE_FAILED");
    const data = run.json?.data as {
      dry_run: boolean;
      total: number;
      approved: number;
      failed: number;
      results: Record_[];
    };
    assert.deepEqual([data.dry_run, data.total, data.approved, data.failed], [false, 4, 2, 2]);
    assert.deepEqual(
      data.results.map((r) => [r.status, r.error_code ?? r.name]),
      [
        ["failed", "INVALID_ARGS"],
        ["failed", "INVALID_ARGS"],
        ["approved", "site-1"],
        ["approved", "site-5"],
      ],
    );
    assert.deepEqual(Object.keys(data.results[0] as Record_), [
      "request_zip",
      "status",
      "error_code",
      "exit_code",
      "message",
      "hint",
    ]);
    assert.deepEqual(Object.keys(data.results[2] as Record_), [
      "request_zip",
      "status",
      ...APPROVE_KEYS.slice(0, -1),
    ]);
    assert.equal((data.results[2] as Record_).request_zip, join(work, "inbox-json", "site-1.request.zip"));
  });

  test("all valid: exit 0 and an ok envelope", () => {
    mkdirSync(inbox("inbox-ok"));
    for (const site of ["site-1", "site-5"])
      copyFileSync(join(work, site, `${site}.request.zip`), join(inbox("inbox-ok"), `${site}.request.zip`));
    const data = okData(
      runCli(
        [
          "--format",
          "json",
          "cert",
          "approve",
          "inbox-ok/site-1.request.zip",
          "inbox-ok/site-5.request.zip",
          "-c",
          "ca",
          "--profile",
          "project_profile.yaml",
        ],
        {
          cwd: work,
          home,
        },
      ),
    ) as unknown as { approved: number; failed: number; results: Record_[] };
    assert.deepEqual([data.approved, data.failed, data.results.length], [2, 0, 2]);
  });

  test("--dry-run shows what would be signed and writes nothing", () => {
    makeInbox("inbox-dry");
    const audits = join(home, ".nvflare", "cert_approves");
    const before = existsSync(audits) ? readdirSync(audits).length : 0;
    const run = runCli(
      [
        "--format",
        "json",
        "cert",
        "approve",
        "inbox-dry",
        "-c",
        "ca",
        "--profile",
        "project_profile.yaml",
        "--dry-run",
      ],
      { cwd: work, home },
    );
    assert.equal(run.code, 4);
    assert.equal(
      run.json?.hint,
      "Fix or remove the failed request zips and run again; nothing was written (dry run).",
    );
    const data = run.json?.data as { dry_run: boolean; would_approve: number; results: Record_[] };
    assert.equal(data.dry_run, true);
    assert.equal(data.would_approve, 2);
    const site1 = data.results[2] as Record_;
    assert.equal(site1.status, "would-approve");
    assert.equal(site1.subject, "CN = site-1, O = hospital_alpha, unstructuredName = client");
    assert.deepEqual(site1.sans, ["DNS:site-1"]);
    assert.equal(site1.valid_days, 1095);
    assert.match(String(site1.valid_until), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(site1.signed_zip, join(work, "inbox-dry", "site-1.signed.zip"));
    assert.equal(site1.rootca_fingerprint_sha256, ERRORS_FP);
    assert.deepEqual(
      readdirSync(inbox("inbox-dry")).filter((f) => f.endsWith(".signed.zip")),
      [],
    );
    assert.equal(existsSync(audits) ? readdirSync(audits).length : 0, before);
  });

  test("--dry-run of one server zip: the SANs, and an existing signed zip reported as it would fail", () => {
    const zip = "server1.hospital-central.org/server1.hospital-central.org.request.zip";
    const text = approve(hospital, zip, "--dry-run");
    assert.equal(text.code, 1);
    assert.match(
      text.stdout,
      /^failed {9}server1\.hospital-central\.org\/server1\.hospital-central\.org\.request\.zip: CERT_ALREADY_EXISTS: Signed certificate already exists at .*\.signed\.zip\.\n/,
    );
    const forced = approve(hospital, zip, "--dry-run", "--force");
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(
      forced.stdout,
      /^would approve {2}server1\.hospital-central\.org\/server1\.hospital-central\.org\.request\.zip -> \S+: server server1\.hospital-central\.org \(O=hospital_central\), SANs DNS:server1\.hospital-central\.org, IP:10\.0\.1\.50, DNS:fl-server\.internal, valid \S+Z to \S+Z \(1095 days\), request code [0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\ndry run: 1 of 1 request zips would be approved, 0 would fail; nothing was written\n$/,
    );
  });

  test("exactly one zip without --dry-run prints what cert approve always printed", () => {
    const text = approve(work, "site-5/site-5.request.zip", "--out", "single/site-5.signed.zip");
    assert.equal(text.code, 0, text.stderr);
    assert.deepEqual(
      text.stdout
        .split("\n")
        .filter((line) => line !== "" && !line.startsWith("Note: "))
        .map((line) => line.split(": ")[0]),
      APPROVE_KEYS,
    );
    const asJson = runCli(
      [
        "--format",
        "json",
        "cert",
        "approve",
        "site-1/site-1.request.zip",
        "-c",
        "ca",
        "--profile",
        "project_profile.yaml",
        "--out",
        "single/site-1.signed.zip",
      ],
      { cwd: work, home },
    );
    assert.deepEqual(Object.keys(okData(asJson)), APPROVE_KEYS);
  });

  test("--out with several zips or a folder is refused, naming both, before anything is written", () => {
    for (const zips of [["site-1/site-1.request.zip", "site-5/site-5.request.zip"], ["inbox"]]) {
      const run = approve(work, ...zips, "--out", "x/one.signed.zip");
      assert.equal(run.code, 4);
      assert.equal(
        run.stderr,
        "Invalid arguments. \u2014 --out names one signed zip; it cannot be used with several REQUEST_ZIP arguments or a folder of request zips\n" +
          "Hint: Run the command with -h for usage.\nCode: INVALID_ARGS (exit 4)\n",
      );
      assert.ok(!existsSync(join(work, "x")));
    }
  });

  test("a folder without request zips is an argument error", () => {
    mkdirSync(join(work, "empty"));
    const run = approve(work, "empty");
    assert.equal(run.code, 4);
    assert.match(run.stderr, /^Invalid arguments\. — no \*\.request\.zip file in the folder .*\/empty\n/);
  });
});
