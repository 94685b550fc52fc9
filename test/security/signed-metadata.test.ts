import assert from "node:assert/strict";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  approvedWorld,
  approveWorld,
  cloneWorld,
  put,
  requestWorld,
  resignSignedZip,
  runAsync,
  SITE,
  snapshot,
  snapshotDiff,
  type World,
} from "./helpers/harness.ts";

// A signature is not a reason to skip a check: every rule of validation.md §4.4 rows 7-21 and
// artifacts.md §9.1 holds for a signed.json the CA really signed. Each zip here is re-signed
// with the world's own CA key (a careless or buggy Project Admin tool), so the signature
// verifies and only the broken rule can refuse it, in `package` and in `cert inspect` alike.

const ADMIN = "alice@hospital-alpha.org";

let world: World;
let fingerprint: string;
let caKey: Uint8Array;

before(async () => {
  world = await approvedWorld("flare-signed-");
  await requestWorld(world, "alice.yaml");
  await approveWorld(world, ADMIN);
  fingerprint = JSON.parse(readFileSync(join(world.work, "ca", "ca.json"), "utf8")).rootCA_fingerprint;
  caKey = new Uint8Array(readFileSync(join(world.work, "ca", "rootCA.key")));
});
after(() => world.cleanup());

interface Case {
  name: string;
  /** The participant whose signed zip is edited (default hospital-a). */
  who?: string;
  edit: (signed: Record<string, unknown>) => void;
  code: string;
  exit: number;
  message: string;
  /** The `cert inspect` check that fails on the signed zip alone. */
  check: string;
}

const server = (s: Record<string, unknown>) => s.server as Record<string, unknown>;
const caInfo = (s: Record<string, unknown>) => s.ca_info as Record<string, unknown>;
const regenerate = "Ask the Project Admin to regenerate the signed zip.";

const CASES: Case[] = [
  {
    name: "no server.admin_port (the admin kit would silently use fed_learn_port)",
    edit: (s) => {
      delete server(s).admin_port;
    },
    code: "INVALID_SIGNED_ZIP",
    exit: 4,
    message: "Signed approval metadata server.admin_port must be an integer from 1 to 65535.",
    check: "endpoint",
  },
  {
    name: "server.admin_port null",
    who: ADMIN,
    edit: (s) => {
      server(s).admin_port = null;
    },
    code: "INVALID_SIGNED_ZIP",
    exit: 4,
    message: "Signed approval metadata server.admin_port must be an integer from 1 to 65535.",
    check: "endpoint",
  },
  {
    name: "a server.host that is no host name (the message gives the rule)",
    edit: (s) => {
      server(s).host = "x;reboot";
    },
    code: "INVALID_SIGNED_ZIP",
    exit: 4,
    message:
      "Signed approval metadata server.host is invalid: name=x;reboot is ill-formatted for entity_type=host_name based on regex_pattern=^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]*[A-Za-z0-9])$.",
    check: "endpoint",
  },
  {
    name: "ca_info without rootCA_fingerprint",
    edit: (s) => {
      delete caInfo(s).rootCA_fingerprint;
    },
    code: "INVALID_ROOTCA_FINGERPRINT",
    exit: 4,
    message: "Invalid signed ca_info root CA fingerprint: None.",
    check: "ca-info",
  },
  {
    name: "ca_info with an empty rootCA_fingerprint",
    edit: (s) => {
      caInfo(s).rootCA_fingerprint = "";
    },
    code: "INVALID_ROOTCA_FINGERPRINT",
    exit: 4,
    message: "Invalid signed ca_info root CA fingerprint: ''.",
    check: "ca-info",
  },
  {
    name: "ca_info without provision_version",
    edit: (s) => {
      delete caInfo(s).provision_version;
    },
    code: "INVALID_SIGNED_ZIP",
    exit: 4,
    message: "Invalid provision version: None.",
    check: "ca-info",
  },
  {
    name: "a user approval without cert_role",
    who: ADMIN,
    edit: (s) => {
      delete s.cert_role;
    },
    code: "INVALID_SIGNED_ZIP",
    exit: 4,
    message: "site.yaml field 'cert_role' does not match signed metadata.",
    check: "site-identity",
  },
];

/** The tree without the zips the tests put under work/signed/. */
function state(): Map<string, string> {
  return new Map([...snapshot(world.root)].filter(([key]) => !key.startsWith("work/signed")));
}

async function resigned(who: string, edit: (signed: Record<string, unknown>) => void): Promise<Uint8Array> {
  const zip = new Uint8Array(readFileSync(join(world.work, who, `${who}.signed.zip`)));
  return resignSignedZip(zip, caKey, (signed) => edit(signed));
}

const json = (args: string[], cwd = world.work, home = world.home) =>
  runAsync(["--format", "json", ...args], { cwd, home });

describe("package and cert inspect refuse CA-signed metadata that breaks a rule", { concurrency: 2 }, () => {
  CASES.forEach((c, i) => {
    test(`refuses ${c.name}`, async () => {
      const who = c.who ?? SITE;
      const file = `signed/${i}/${who}.signed.zip`;
      put(join(world.work, file), await resigned(who, c.edit));
      const before = state();
      const run = await json([
        "package",
        file,
        "--request-dir",
        who,
        "-w",
        "ws",
        "--fingerprint",
        fingerprint,
      ]);
      assert.deepEqual(snapshotDiff(before, state()), [], "package wrote something");
      assert.equal(run.code, c.exit, run.stdout + run.stderr);
      assert.equal(run.json?.error_code, c.code);
      assert.equal(run.json?.message, c.message);

      const inspect = await json(["cert", "inspect", file]);
      assert.equal(inspect.code, 4, inspect.stdout);
      const data = inspect.json?.data as { failed: string[]; checks: { id: string; detail: string }[] };
      assert.deepEqual(data.failed, [c.check]);
      assert.equal(data.checks.find((check) => check.id === c.check)?.detail, `${c.code}: ${c.message}`);
    });
  });

  test("the hints of the ca_info refusals say what to do", async () => {
    put(
      join(world.work, "signed/hints/x.signed.zip"),
      await resigned(SITE, (s) => delete caInfo(s).provision_version),
    );
    const run = await json(["package", "signed/hints/x.signed.zip", "--request-dir", SITE, "-w", "ws"]);
    assert.equal(run.json?.hint, "Provision version must be exactly two digits, for example 00.");
    put(
      join(world.work, "signed/hints/y.signed.zip"),
      await resigned(SITE, (s) => delete caInfo(s).rootCA_fingerprint),
    );
    const run2 = await json(["package", "signed/hints/y.signed.zip", "--request-dir", SITE, "-w", "ws"]);
    assert.equal(run2.json?.hint, regenerate);
  });
});

describe("the signed request_id must be the local one exactly", { concurrency: 2 }, () => {
  const spellings: [string, (id: string) => string][] = [
    ["an upper-case", (id) => id.toUpperCase()],
    [
      "dashed",
      (id) => `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`,
    ],
  ];
  for (const [label, spell] of spellings) {
    test(`${label} request_id is not this request folder's`, async () => {
      const copy = cloneWorld(world, "flare-signed-id-");
      try {
        const local = JSON.parse(readFileSync(join(copy.work, SITE, "request.json"), "utf8"))
          .request_id as string;
        const other = spell(local);
        assert.notEqual(other, local);
        const zip = await resignSignedZip(
          new Uint8Array(readFileSync(join(copy.work, SITE, `${SITE}.signed.zip`))),
          caKey,
          (signed) => {
            signed.request_id = other;
          },
        );
        put(join(copy.work, "in", `${SITE}.signed.zip`), zip);
        const before = snapshot(copy.root);
        const explicit = await json(
          [
            "package",
            `in/${SITE}.signed.zip`,
            "--request-dir",
            SITE,
            "-w",
            "ws",
            "--fingerprint",
            fingerprint,
          ],
          copy.work,
          copy.home,
        );
        assert.equal(explicit.code, 4, explicit.stdout + explicit.stderr);
        assert.equal(explicit.json?.error_code, "REQUEST_DIR_MISMATCH");
        assert.equal(
          explicit.json?.message,
          `The specified --request-dir does not match the signed zip request_id. \u2014 ${join(copy.work, SITE, "request.json")} has request_id '${local}'; the signed zip has '${other}'`,
        );
        // Discovery (audit record, folders next to the zip) finds no folder for that id either.
        const discovered = await json(
          ["package", `in/${SITE}.signed.zip`, "-w", "ws", "--fingerprint", fingerprint],
          copy.work,
          copy.home,
        );
        assert.equal(discovered.code, 1, discovered.stdout + discovered.stderr);
        assert.equal(discovered.json?.error_code, "REQUEST_DIR_NOT_FOUND");
        assert.deepEqual(snapshotDiff(before, snapshot(copy.root)), [], "package wrote something");

        // cert inspect of the request folder pairs it with the signed zip there as package would.
        copyFileSync(
          join(copy.work, "in", `${SITE}.signed.zip`),
          join(copy.work, SITE, `${SITE}.signed.zip`),
        );
        const inspect = await json(["cert", "inspect", SITE], copy.work, copy.home);
        assert.equal(inspect.code, 4, inspect.stdout);
        const data = inspect.json?.data as { failed: string[]; checks: { id: string; detail: string }[] };
        assert.deepEqual(data.failed, ["matches-signed-zip"]);
        assert.equal(
          data.checks.find((c) => c.id === "matches-signed-zip")?.detail,
          "REQUEST_METADATA_MISMATCH: Local request metadata does not match the signed zip. \u2014 field 'request_id' differs",
        );
      } finally {
        copy.cleanup();
      }
    });
  }
});
