import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { buildRawZip } from "../../src/core/zip/raw-zip.test-helper.ts";
import {
  approvedWorld,
  hasStackTrace,
  put,
  resignSignedZip,
  runAsync,
  SITE,
  snapshot,
  snapshotDiff,
  type World,
  zipMembers,
} from "./helpers/harness.ts";

// Names become folder, file and certificate names (validation.md §1). Beyond the reference
// (hardening, src/core/names): Windows device names are refused everywhere, a server name over
// 64 characters is refused at request time instead of failing at package time, and a project
// name over 63 characters is refused up front instead of being silently truncated by package.

let world: World;
let n = 0;

before(async () => {
  world = await approvedWorld("flare-names-");
});
after(() => world.cleanup());

function inputsOnly(): Map<string, string> {
  return new Map([...snapshot(world.root)].filter(([key]) => !key.startsWith("work/cases")));
}

async function run(args: string[]) {
  return runAsync(["--format", "json", ...args], { cwd: world.work, home: world.home });
}

async function refused(args: string[], code: string, message: RegExp, hint?: RegExp): Promise<void> {
  const before = inputsOnly();
  const result = await run(args);
  assert.deepEqual(snapshotDiff(before, inputsOnly()), [], "something was written");
  assert.equal(result.code, 4, result.stdout + result.stderr);
  assert.equal(result.json?.error_code, code, result.stdout);
  assert.match(String(result.json?.message), message);
  if (hint) assert.match(String(result.json?.hint), hint);
  assert.ok(!hasStackTrace(result.stdout + result.stderr));
}

function participantFile(project: string, name: string, type: string, extra = ""): string {
  n += 1;
  const file = `cases/${n}/p.yaml`;
  put(
    join(world.work, file),
    `name: ${project}\nparticipants:\n  - name: ${name}\n    type: ${type}\n    org: hospital_alpha\n${extra}`,
  );
  return file;
}

function profileFile(project: string): string {
  n += 1;
  const file = `cases/${n}/profile.yaml`;
  put(join(world.work, file), `name: ${project}\n`);
  return file;
}

/** A valid dotted host name of exactly `length` characters (labels of 20). */
const host = (length: number) => {
  const labels: string[] = [];
  let rest = length;
  for (; rest > 21; rest -= 21) labels.push("s".repeat(20));
  labels.push("s".repeat(rest));
  return labels.join(".");
};

const request = (file: string) => ["cert", "request", "-p", file, "--out", `${file}.out`];

describe("Windows device names", { concurrency: 2 }, () => {
  for (const name of ["CON", "con", "Com1", "lpt9", "NUL"]) {
    test(`cert request refuses a client named ${name}`, () =>
      refused(
        request(participantFile("hospital_federation", name, "client")),
        "INVALID_NAME",
        new RegExp(`^Invalid name '${name}': Name must not be a reserved Windows device name`),
        /not a Windows device name/,
      ));
  }
  test("cert request refuses a server named aux.<domain> (AUX with an extension)", () =>
    refused(
      request(participantFile("hospital_federation", "aux.hospital-central.org", "server")),
      "INVALID_NAME",
      /^Invalid name 'aux\.hospital-central\.org': Name must not be a reserved Windows device name/,
    ));
  test("cert request refuses an admin named nul.<x>@<domain>", () =>
    refused(
      request(
        participantFile("hospital_federation", "nul.x@hospital-alpha.org", "admin", "    role: lead\n"),
      ),
      "INVALID_NAME",
      /^Invalid name 'nul\.x@hospital-alpha\.org'/,
    ));
  test("cert init refuses a project named PRN", () =>
    refused(
      ["cert", "init", "--profile", profileFile("PRN"), "-o", `cases/${n}/ca`],
      "INVALID_PROJECT_NAME",
      /^Invalid project name\. \u2014 project name 'PRN' is a reserved Windows device name/,
    ));
  test("cert request refuses a project named aux", () =>
    refused(
      request(participantFile("aux", "site-9", "client")),
      "INVALID_PROJECT_NAME",
      /reserved Windows device name/,
    ));
  test("cert approve refuses a request zip whose request.json names the participant COM1", async () => {
    const members = zipMembers(join(world.work, SITE, `${SITE}.request.zip`));
    const json = new TextDecoder()
      .decode(members.get("request.json"))
      .replace(`"name": "${SITE}"`, '"name": "COM1"');
    n += 1;
    const file = `cases/${n}/COM1.request.zip`;
    put(
      join(world.work, file),
      buildRawZip([
        { name: "request.json", data: json },
        { name: "site.yaml", data: members.get("site.yaml") as Uint8Array },
        { name: "COM1.csr", data: members.get(`${SITE}.csr`) as Uint8Array },
      ]),
    );
    await refused(
      ["cert", "approve", file, "-c", "ca", "--profile", "project_profile.yaml"],
      "INVALID_NAME",
      /^Invalid name 'COM1': Name must not be a reserved Windows device name/,
    );
  });
  test("package refuses a validly signed zip for a participant named CON", async () => {
    const zip = await resignSignedZip(
      new Uint8Array(readFileSync(join(world.work, SITE, `${SITE}.signed.zip`))),
      new Uint8Array(readFileSync(join(world.work, "ca", "rootCA.key"))),
      (s) => {
        s.name = "CON";
      },
    );
    n += 1;
    const file = `cases/${n}/CON.signed.zip`;
    put(join(world.work, file), zip);
    await refused(
      ["package", file, "--request-dir", SITE, "-w", `cases/${n}/ws`],
      "INVALID_SIGNED_ZIP",
      /^Invalid participant name: 'CON'\.$/,
    );
  });
});

describe("length limits", { concurrency: 2 }, () => {
  test("cert request refuses a server name of 65 characters, before any key is made", () =>
    refused(
      request(participantFile("hospital_federation", host(65), "server")),
      "INVALID_NAME",
      /^Invalid name '[s.]{65}': Name must be 64 characters or fewer; a longer server name would be truncated/,
      /at most 64 characters/,
    ));
  test("cert request refuses a client name of 65 characters (reference rule)", () =>
    refused(
      request(participantFile("hospital_federation", "c".repeat(65), "client")),
      "INVALID_NAME",
      /^Invalid name 'c{65}': Name must be 64 characters or fewer\.$/,
    ));
  test("cert init refuses a project name of 64 characters up front (package would truncate it)", () =>
    refused(
      ["cert", "init", "--profile", profileFile("p".repeat(64)), "-o", `cases/${n}/ca`],
      "INVALID_PROJECT_NAME",
      /^Invalid project name\. \u2014 project name 'p{64}' is 64 characters long; at most 63 are allowed/,
    ));
  test("cert request refuses a project name of 64 characters", () =>
    refused(
      request(participantFile("q".repeat(64), "site-9", "client")),
      "INVALID_PROJECT_NAME",
      /at most 63 are allowed/,
    ));
});

describe("names at the limits that are allowed", () => {
  test("cert request accepts a server name of exactly 64 characters", async () => {
    const result = await run(request(participantFile("hospital_federation", host(64), "server")));
    assert.equal(result.code, 0, result.stdout);
  });
  test("cert init accepts a project name of 63 characters", async () => {
    const result = await run([
      "cert",
      "init",
      "--profile",
      profileFile("p".repeat(63)),
      "-o",
      `cases/${n}/ca`,
    ]);
    assert.equal(result.code, 0, result.stdout);
    const data = result.json?.data as Record<string, string> | undefined;
    assert.equal(data?.project, "p".repeat(63));
  });
});
