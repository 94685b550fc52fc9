import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { okData, runCli } from "../helpers/cli.ts";
import { copyScenario, makeTempDir } from "../helpers/fixtures.ts";

type Record_ = Record<string, unknown>;
const SERVER = "server1.hospital-central.org";

describe("cert approve --roster: only the expected participants, as expected", () => {
  const { dir, cleanup } = makeTempDir("flare-roster-");
  const work = join(dir, "hospital", "work");
  const home = join(dir, "home");
  const cli = (args: string[]) => runCli(args, { cwd: work, home });
  const approve = (...args: string[]) =>
    cli(["--format", "json", "cert", "approve", ...args, "-c", "ca", "--profile", "project_profile.yaml"]);
  const approvals = () => {
    const folder = join(home, ".nvflare", "cert_approves");
    return existsSync(folder) ? readdirSync(folder).length : 0;
  };
  const signedIn = (folder: string) =>
    readdirSync(join(work, folder)).filter((f) => f.endsWith(".signed.zip"));
  let code = "";

  /** A roster with the server (no code), hospital-a (its genuine code), alice, bob as lead, hospital-c. */
  function writeRoster(file: string, hospitalACode: string): void {
    writeFileSync(
      join(work, file),
      [
        "project: hospital_federation",
        "participants:",
        `  - {name: ${SERVER}, type: server, org: hospital_central}`,
        `  - {name: hospital-a, type: client, org: hospital_alpha, request_code: "${hospitalACode}"}`,
        "  - {name: alice@hospital-alpha.org, type: admin, org: hospital_alpha, role: lead}",
        "  - {name: bob@hospital-alpha.org, type: admin, org: hospital_alpha, role: lead}",
        "  - {name: hospital-c, type: client, org: hospital_gamma}",
        "",
      ].join("\n"),
    );
  }

  /** An inbox: a swapped hospital-a zip, the server, alice, bob (really org_admin), carol (not listed). */
  function makeInbox(name: string): void {
    mkdirSync(join(work, name));
    copyFileSync(
      join(work, "attacker", "hospital-a.request.zip"),
      join(work, name, "hospital-a.request.zip"),
    );
    for (const who of [
      SERVER,
      "alice@hospital-alpha.org",
      "bob@hospital-alpha.org",
      "carol@hospital-beta.org",
    ])
      copyFileSync(join(work, who, `${who}.request.zip`), join(work, name, `${who}.request.zip`));
  }

  before(() => {
    mkdirSync(home);
    copyScenario("hospital", join(dir, "hospital"));
    code = okData(cli(["--format", "json", "cert", "request", "-p", "hospital-a.yaml", "--out", "genuine"]))
      .request_code as string;
    okData(cli(["--format", "json", "cert", "request", "-p", "hospital-a.yaml", "--out", "attacker"]));
    writeRoster("roster.yaml", code);
  });
  after(cleanup);

  test("a dry run shows each refusal and who on the roster has not sent a request; writes nothing", () => {
    makeInbox("inbox-dry");
    const before = approvals();
    const run = approve("inbox-dry", "--roster", "roster.yaml", "--dry-run");
    assert.equal(run.code, 4, run.stdout);
    const data = run.json?.data as { results: Record_[]; roster_missing: Record_[] };
    const byName = Object.fromEntries(
      data.results.map((r) => [String(r.request_zip).split("/").pop(), [r.status, r.error_code ?? null]]),
    );
    assert.deepEqual(byName, {
      "alice@hospital-alpha.org.request.zip": ["would-approve", null],
      "bob@hospital-alpha.org.request.zip": ["failed", "ROSTER_MISMATCH"],
      "carol@hospital-beta.org.request.zip": ["failed", "ROSTER_NOT_LISTED"],
      "hospital-a.request.zip": ["failed", "REQUEST_CODE_MISMATCH"],
      [`${SERVER}.request.zip`]: ["would-approve", null],
    });
    const bob = data.results.find((r) => r.error_code === "ROSTER_MISMATCH") as Record_;
    assert.match(String(bob.message), /role: request 'org_admin', roster 'lead'/);
    assert.deepEqual(data.roster_missing, [
      { name: "hospital-c", type: "client", org: "hospital_gamma", role: null },
    ]);
    assert.deepEqual(signedIn("inbox-dry"), []);
    assert.equal(approvals(), before);

    const text = cli([
      "cert",
      "approve",
      "inbox-dry",
      "-c",
      "ca",
      "--profile",
      "project_profile.yaml",
      "--roster",
      "roster.yaml",
      "--dry-run",
    ]);
    assert.match(
      text.stdout,
      /^not received {3}hospital-c: client \(O=hospital_gamma\), no request zip in this batch\ndry run: 2 of 5 request zips would be approved, 3 would fail; nothing was written; 1 on the roster sent no request\n$/m,
    );
  });

  test("the real batch signs only the expected requests; the swapped one is refused", () => {
    makeInbox("inbox");
    const before = approvals();
    const run = approve("inbox", "--roster", "roster.yaml");
    assert.equal(run.code, 4);
    assert.equal(run.json?.error_code, "BATCH_APPROVE_FAILED");
    assert.deepEqual(signedIn("inbox").sort(), [
      "alice@hospital-alpha.org.signed.zip",
      `${SERVER}.signed.zip`,
    ]);
    assert.equal(approvals(), before + 2);
  });

  test("one zip: the genuine request is signed, the swapped one refused, a stranger refused", () => {
    mkdirSync(join(work, "single"));
    copyFileSync(
      join(work, "attacker", "hospital-a.request.zip"),
      join(work, "single", "hospital-a.request.zip"),
    );
    const swapped = approve("single/hospital-a.request.zip", "--roster", "roster.yaml");
    assert.equal(swapped.code, 4);
    assert.equal(swapped.json?.error_code, "REQUEST_CODE_MISMATCH");
    assert.match(String(swapped.json?.message), new RegExp(`not ${code} as the roster roster\\.yaml lists`));
    assert.deepEqual(readdirSync(join(work, "single")), ["hospital-a.request.zip"]);
    copyFileSync(
      join(work, "genuine", "hospital-a.request.zip"),
      join(work, "single", "hospital-a.request.zip"),
    );
    const genuine = okData(approve("single/hospital-a.request.zip", "--roster", "roster.yaml"));
    assert.equal(genuine.name, "hospital-a");
    const stranger = approve(
      "carol@hospital-beta.org/carol@hospital-beta.org.request.zip",
      "--roster",
      "roster.yaml",
    );
    assert.equal(stranger.code, 4);
    assert.equal(stranger.json?.error_code, "ROSTER_NOT_LISTED");
  });

  test("a request differing in org is refused even when the roster lists no code", () => {
    writeFileSync(
      join(work, "evil.yaml"),
      "name: hospital_federation\nparticipants:\n  - name: hospital-c\n    type: client\n    org: evil_org\n",
    );
    okData(cli(["--format", "json", "cert", "request", "-p", "evil.yaml", "--out", "evil"]));
    const run = approve("evil/hospital-c.request.zip", "--roster", "roster.yaml");
    assert.equal(run.code, 4);
    assert.equal(run.json?.error_code, "ROSTER_MISMATCH");
    assert.match(String(run.json?.message), /org: request 'evil_org', roster 'hospital_gamma'/);
    assert.deepEqual(
      readdirSync(join(work, "evil")).filter((f) => f.endsWith(".signed.zip")),
      [],
    );
  });

  test("two zips for one participant without a listed code: neither is signed", () => {
    mkdirSync(join(work, "twins"));
    okData(cli(["--format", "json", "cert", "request", "-p", "server.yaml", "--out", "server-again"]));
    copyFileSync(join(work, SERVER, `${SERVER}.request.zip`), join(work, "twins", "a.request.zip"));
    copyFileSync(join(work, "server-again", `${SERVER}.request.zip`), join(work, "twins", "b.request.zip"));
    const run = approve("twins", "--roster", "roster.yaml");
    assert.equal(run.code, 4);
    const results = (run.json?.data as { results: Record_[] } | undefined)?.results ?? [];
    assert.deepEqual(
      results.map((r) => r.error_code),
      ["ROSTER_DUPLICATE_REQUEST", "ROSTER_DUPLICATE_REQUEST"],
    );
    assert.match(String(results[0]?.message), /2 request zips are for 'server1\.hospital-central\.org'/);
    assert.deepEqual(signedIn("twins"), []);
  });

  test("a malformed roster is refused as a whole, naming the field", () => {
    writeFileSync(
      join(work, "bad-roster.yaml"),
      "participants:\n  - {name: hospital-a, type: client, org: hospital_alpha}\n  - {name: alice, type: admin, org: x, role: boss}\n",
    );
    const run = approve("genuine/hospital-a.request.zip", "--roster", "bad-roster.yaml", "--dry-run");
    assert.equal(run.code, 4);
    assert.equal(run.json?.error_code, "ROSTER_INVALID");
    assert.match(String(run.json?.message), /participants\[1\]\.role must be one of org_admin, lead, member/);
    const missing = approve("genuine/hospital-a.request.zip", "--roster", "nope.yaml");
    assert.equal(missing.json?.error_code, "INVALID_ARGS");
    assert.match(String(missing.json?.message), /roster file not found: nope\.yaml/);
  });
});
