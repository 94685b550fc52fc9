import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { okData, runCli } from "../helpers/cli.ts";
import { copyScenario, fixturePath, makeTempDir } from "../helpers/fixtures.ts";

const CODE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

describe("request codes: cert request prints one, cert approve --expect-code checks it", () => {
  const { dir, cleanup } = makeTempDir("flare-code-");
  const work = join(dir, "hospital", "work");
  const home = join(dir, "home");
  const cli = (args: string[], cwd = work) => runCli(args, { cwd, home });
  const approve = (...args: string[]) =>
    cli(["--format", "json", "cert", "approve", ...args, "-c", "ca", "--profile", "project_profile.yaml"]);
  const approvals = () => {
    const folder = join(home, ".nvflare", "cert_approves");
    return existsSync(folder) ? readdirSync(folder).length : 0;
  };
  let genuineCode = "";

  before(() => {
    mkdirSync(home);
    copyScenario("hospital", join(dir, "hospital"));
    // The participant's genuine request, and an attacker's for the same name and org (same
    // participant file, so the identity is identical; only the key differs).
    const genuine = okData(
      cli(["--format", "json", "cert", "request", "-p", "hospital-a.yaml", "--out", "genuine"]),
    );
    genuineCode = genuine.request_code as string;
    okData(cli(["--format", "json", "cert", "request", "-p", "hospital-a.yaml", "--out", "attacker"]));
    mkdirSync(join(work, "inbox"));
  });
  after(cleanup);

  test("cert request prints the code, tells the requester to read it out, and keeps it in the folder", () => {
    assert.match(genuineCode, CODE);
    assert.equal(readFileSync(join(work, "genuine", "request-code.txt"), "utf8"), `${genuineCode}\n`);
    assert.equal(statSync(join(work, "genuine", "request-code.txt")).mode & 0o777, 0o644);
    const text = cli(["cert", "request", "-p", "hospital-a.yaml", "--out", "text-mode"]);
    assert.equal(text.code, 0, text.stderr);
    const code = /^request_code: (\S+)$/m.exec(text.stdout)?.[1] ?? "";
    assert.match(code, CODE);
    assert.match(text.stdout, new RegExp(`read the request code ${code} to them over a channel they trust`));
    const audit = JSON.parse(
      readFileSync(
        join(
          home,
          ".nvflare",
          "cert_requests",
          /^request_id: (\S+)$/m.exec(text.stdout)?.[1] ?? "",
          "audit.json",
        ),
        "utf8",
      ),
    );
    assert.equal(audit.request_code, code);
  });

  test("cert inspect of the zip and of the folder shows the same code", () => {
    const zip = okData(cli(["--format", "json", "cert", "inspect", "genuine/hospital-a.request.zip"]));
    assert.equal((zip.facts as unknown as Record<string, string>).request_code, genuineCode);
    const folder = okData(cli(["--format", "json", "cert", "inspect", "genuine"]));
    assert.equal((folder.facts as unknown as Record<string, string>).request_code, genuineCode);
    const text = cli(["cert", "inspect", "genuine/hospital-a.request.zip"]);
    assert.match(text.stdout, new RegExp(`request_code: ${genuineCode}`));
  });

  test("a request zip made by the reference has a code too", () => {
    const zip = fixturePath("hospital", "work", "hospital-a", "hospital-a.request.zip");
    const data = okData(cli(["--format", "json", "cert", "inspect", zip]));
    const code = (data.facts as unknown as Record<string, string>).request_code ?? "";
    assert.match(code, CODE);
    // ... and approving it with that code, spelled loosely, goes through the code check.
    const dry = approve(zip, "--dry-run", "--force", "--expect-code", code.toLowerCase().replace(/-/g, " "));
    assert.equal(dry.code, 0, dry.stdout);
  });

  test("a request swapped in transit is refused: REQUEST_CODE_MISMATCH, exit 4, nothing written", () => {
    // The attacker's zip arrives under the participant's name.
    copyFileSync(
      join(work, "attacker", "hospital-a.request.zip"),
      join(work, "inbox", "hospital-a.request.zip"),
    );
    const before = approvals();
    const run = approve("inbox/hospital-a.request.zip", "--expect-code", genuineCode);
    assert.equal(run.code, 4, run.stdout);
    assert.equal(run.json?.error_code, "REQUEST_CODE_MISMATCH");
    assert.match(String(run.json?.message), new RegExp(`not ${genuineCode}`));
    assert.deepEqual(readdirSync(join(work, "inbox")), ["hospital-a.request.zip"]);
    assert.equal(approvals(), before);
    const text = cli([
      "cert",
      "approve",
      "inbox/hospital-a.request.zip",
      "-c",
      "ca",
      "--profile",
      "project_profile.yaml",
      "--expect-code",
      genuineCode,
    ]);
    assert.equal(text.code, 4);
    assert.match(text.stderr, /^Hint: Do not approve/m);
    assert.match(text.stderr, /^Code: REQUEST_CODE_MISMATCH \(exit 4\)$/m);
    assert.deepEqual(readdirSync(join(work, "inbox")), ["hospital-a.request.zip"]);
  });

  test("the genuine zip with the code read out (any case, spaces or dashes) is signed", () => {
    copyFileSync(
      join(work, "genuine", "hospital-a.request.zip"),
      join(work, "inbox", "hospital-a.request.zip"),
    );
    const spoken = genuineCode.toLowerCase().replace(/-/g, "  ");
    const data = okData(approve("inbox/hospital-a.request.zip", "--expect-code", spoken));
    assert.equal(data.name, "hospital-a");
    assert.ok(existsSync(join(work, "inbox", "hospital-a.signed.zip")));
  });

  test("--expect-code must look like a code, and names one zip only", () => {
    const typo = approve("genuine/hospital-a.request.zip", "--expect-code", "ABCD-EFGH");
    assert.equal(typo.code, 4);
    assert.equal(typo.json?.error_code, "INVALID_ARGS");
    assert.match(String(typo.json?.message), /not a request code/);
    const folder = approve("inbox", "--expect-code", genuineCode);
    assert.equal(folder.code, 4);
    assert.match(String(folder.json?.message), /--roster/);
  });
});
