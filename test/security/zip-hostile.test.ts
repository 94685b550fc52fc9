import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { printable } from "../../src/cli/output.ts";
import { buildRawZip, type RawMember, zeroBomb } from "../../src/core/zip/raw-zip.test-helper.ts";
import { approveCert } from "../../src/node/approve-cert.ts";
import { initCa } from "../../src/node/init-ca.ts";
import {
  approvedWorld,
  hasControlCharacters,
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

// Hostile archives, built byte by byte, go through the real CLI: `cert approve` for request
// zips, `package` for signed zips (validation.md §3, §4.3 rows 2-19, §4.4 rows 3-17). Every one
// must end in a coded error (never a crash), and nothing may be written anywhere.

const MiB = 1024 * 1024;
const KEY_BLOCK =
  "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----\n";

interface Case {
  name: string;
  zip: () => Uint8Array | Promise<Uint8Array>;
  code: string;
  exit: number;
  message: string | RegExp;
}

let world: World;
let request: Map<string, Uint8Array>;
let signed: Map<string, Uint8Array>;
let signedBytes: Uint8Array;
let fingerprint: string;

/** The genuine members as raw-zip members, with per-name overrides; `null` drops one. */
function members(
  from: Map<string, Uint8Array>,
  change: Record<string, Partial<RawMember> | null> = {},
): RawMember[] {
  const out: RawMember[] = [];
  for (const [name, data] of from) {
    const override = change[name];
    if (override === null) continue;
    out.push({ name, data, ...override });
  }
  return out;
}

before(async () => {
  world = await approvedWorld("flare-zip-");
  request = zipMembers(join(world.work, SITE, `${SITE}.request.zip`));
  signedBytes = new Uint8Array(readFileSync(join(world.work, SITE, `${SITE}.signed.zip`)));
  signed = zipMembers(join(world.work, SITE, `${SITE}.signed.zip`));
  fingerprint = JSON.parse(readFileSync(join(world.work, "ca", "ca.json"), "utf8")).rootCA_fingerprint;
});
after(() => world.cleanup());

/** The tree without the hostile inputs the tests themselves put under work/hostile/. */
function state(): Map<string, string> {
  return new Map([...snapshot(world.root)].filter(([key]) => !key.startsWith("work/hostile")));
}

async function expectRefusal(args: string[], c: Case, file: string): Promise<void> {
  const before = state();
  const run = await runAsync(args, { cwd: world.work, home: world.home });
  assert.deepEqual(snapshotDiff(before, state()), [], `${c.name}: something was written`);
  assert.equal(run.code, c.exit, run.stdout + run.stderr);
  assert.equal(run.stdout, "");
  assert.ok(!hasStackTrace(run.stderr), run.stderr);
  const lines = run.stderr.split("\n");
  assert.equal(lines.at(-2), `Code: ${c.code} (exit ${c.exit})`, run.stderr);
  // Hostile names are shown escaped: no raw control character reaches the terminal.
  assert.ok(!hasControlCharacters(run.stderr), JSON.stringify(run.stderr));
  const message = lines[0] as string;
  if (typeof c.message === "string") assert.equal(message, printable(c.message.replaceAll("<zip>", file)));
  else assert.match(message, c.message);
}

const invalidArgs = (detail: string): string => `Invalid arguments. \u2014 ${detail}`;

describe("cert approve refuses hostile request zips and writes nothing", { concurrency: 2 }, () => {
  const unsafe = (member: string) => invalidArgs(`unsafe zip member or path traversal: ${member}`);
  const cases: Case[] = [
    {
      name: "a member named ../x (path traversal)",
      zip: () => buildRawZip([...members(request), { name: "../x", data: "x\n" }]),
      code: "INVALID_ARGS",
      exit: 4,
      message: unsafe("../x"),
    },
    {
      name: "an absolute member path",
      zip: () => buildRawZip([{ name: "/tmp/evil", data: "x" }, ...members(request)]),
      code: "INVALID_ARGS",
      exit: 4,
      message: unsafe("/tmp/evil"),
    },
    {
      name: "a backslash in a member name",
      zip: () => buildRawZip([{ name: "..\\evil", data: "x" }, ...members(request)]),
      code: "INVALID_ARGS",
      exit: 4,
      message: unsafe("..\\evil"),
    },
    {
      name: "a ./ prefixed member",
      zip: () => buildRawZip(members(request, { "request.json": { name: "./request.json" } })),
      code: "INVALID_ARGS",
      exit: 4,
      message: unsafe("./request.json"),
    },
    {
      name: "a member in a sub-folder",
      zip: () => buildRawZip(members(request, { "site.yaml": { name: "sub/site.yaml" } })),
      code: "INVALID_ARGS",
      exit: 4,
      message: unsafe("sub/site.yaml"),
    },
    {
      name: "a directory entry",
      zip: () => buildRawZip([{ name: "sub/", data: "" }, ...members(request)]),
      code: "INVALID_ARGS",
      exit: 4,
      message: unsafe("sub/"),
    },
    {
      name: "a symlink member",
      zip: () =>
        buildRawZip([
          { name: "link", data: "/etc/passwd", externalAttr: 0o120777 << 16 },
          ...members(request),
        ]),
      code: "INVALID_ARGS",
      exit: 4,
      message: unsafe("link"),
    },
    {
      name: "a duplicated request.json",
      zip: () => buildRawZip([...members(request), { name: "request.json", data: "{}" }]),
      code: "INVALID_ARGS",
      exit: 4,
      message: unsafe("request.json"),
    },
    {
      name: "a duplicate that differs only in case",
      zip: () => buildRawZip([...members(request), { name: "SITE.yaml", data: "{}" }]),
      code: "INVALID_ARGS",
      exit: 4,
      message: unsafe("SITE.yaml"),
    },
    {
      name: "a terminal escape sequence in a member name",
      zip: () => buildRawZip([{ name: "evil\x1b[2J", data: "x" }, ...members(request)]),
      code: "INVALID_ARGS",
      exit: 4,
      message: unsafe("evil\x1b[2J"),
    },
    {
      name: "a non-UTF-8 member name without the UTF-8 flag",
      zip: () => buildRawZip([{ name: Uint8Array.of(0x65, 0xff, 0x78), data: "x" }, ...members(request)]),
      code: "INVALID_ARGS",
      exit: 4,
      message: /^Invalid arguments\. \u2014 unsafe zip member or path traversal: /,
    },
    {
      name: "a .key member",
      zip: () => buildRawZip([...members(request), { name: `${SITE}.key`, data: KEY_BLOCK }]),
      code: "INVALID_ARGS",
      exit: 4,
      message: invalidArgs(`request zip must not contain private keys: ${SITE}.key`),
    },
    {
      name: "a private key hidden in a .pem member",
      zip: () => buildRawZip([...members(request), { name: "notes.pem", data: KEY_BLOCK }]),
      code: "INVALID_ARGS",
      exit: 4,
      message: invalidArgs("request zip must not contain private keys: notes.pem"),
    },
    {
      name: "a private key marker inside site.yaml",
      zip: () =>
        buildRawZip(
          members(request, {
            "site.yaml": { data: `${new TextDecoder().decode(request.get("site.yaml"))}# ${KEY_BLOCK}` },
          }),
        ),
      code: "INVALID_ARGS",
      exit: 4,
      message: invalidArgs("request zip must not contain private keys: site.yaml"),
    },
    {
      name: "a member declared larger than 10 MiB",
      zip: () => buildRawZip(members(request, { "site.yaml": { uncompressedSize: 10 * MiB + 1 } })),
      code: "INVALID_ARGS",
      exit: 4,
      message: invalidArgs("zip member exceeds size limit: site.yaml"),
    },
    {
      name: "a deflate bomb that lies about its size (200 MiB of zeros declared as 1 KiB)",
      zip: () =>
        buildRawZip(
          members(request, { "site.yaml": { payload: zeroBomb(200 * MiB), uncompressedSize: 1024, crc: 0 } }),
        ),
      code: "INVALID_ARGS",
      exit: 4,
      message: /^Invalid arguments\. \u2014 invalid request zip: /,
    },
    {
      name: "an honest 50 MiB bomb",
      zip: () =>
        buildRawZip(
          members(request, {
            "site.yaml": { payload: zeroBomb(50 * MiB), uncompressedSize: 50 * MiB, crc: 0 },
          }),
        ),
      code: "INVALID_ARGS",
      exit: 4,
      message: invalidArgs("zip member exceeds size limit: site.yaml"),
    },
    {
      name: "a wrong CRC-32",
      zip: () => buildRawZip(members(request, { "site.yaml": { crc: 0x12345678 } })),
      code: "INVALID_ARGS",
      exit: 4,
      message: /^Invalid arguments\. \u2014 invalid request zip: .*CRC/,
    },
    {
      name: "two central entries sharing one local header (overlap)",
      zip: () =>
        buildRawZip([
          ...members(request),
          { name: "readme.txt", data: "x", skipLocal: true, localOffset: 0 },
        ]),
      code: "INVALID_ARGS",
      exit: 4,
      message: /^Invalid arguments\. \u2014 invalid request zip: /,
    },
    {
      name: "an encrypted member",
      zip: () => buildRawZip(members(request, { "site.yaml": { flags: 1 } })),
      code: "INVALID_ARGS",
      exit: 4,
      message: /^Invalid arguments\. \u2014 invalid request zip: encrypted/,
    },
    {
      name: "an unsupported compression method",
      zip: () => buildRawZip(members(request, { "site.yaml": { method: 12 } })),
      code: "INVALID_ARGS",
      exit: 4,
      message: /^Invalid arguments\. \u2014 invalid request zip: unsupported compression method 12/,
    },
    {
      name: "a ZIP64 locator",
      zip: () => buildRawZip(members(request), { zip64Locator: true }),
      code: "INVALID_ARGS",
      exit: 4,
      message: /^Invalid arguments\. \u2014 invalid request zip: ZIP64/,
    },
    {
      name: "a script prepended to the archive (polyglot)",
      zip: () => buildRawZip(members(request), { prefix: new TextEncoder().encode("#!/bin/sh\nrm -rf ~\n") }),
      code: "INVALID_ARGS",
      exit: 4,
      message: /^Invalid arguments\. \u2014 invalid request zip: /,
    },
    {
      name: "65 members",
      zip: () =>
        buildRawZip([
          ...members(request),
          ...Array.from({ length: 62 }, (_, i) => ({ name: `f${i}`, data: "" })),
        ]),
      code: "INVALID_ARGS",
      exit: 4,
      message: /^Invalid arguments\. \u2014 invalid request zip: .*65 members/,
    },
    {
      name: "bytes that are not a zip",
      zip: () => new TextEncoder().encode("name: not a zip\n"),
      code: "INVALID_ARGS",
      exit: 4,
      message: /^Invalid arguments\. \u2014 invalid request zip: not a zip archive/,
    },
    {
      name: "an empty file",
      zip: () => new Uint8Array(0),
      code: "INVALID_ARGS",
      exit: 4,
      message: /^Invalid arguments\. \u2014 invalid request zip: not a zip archive/,
    },
    {
      name: "an extra member",
      zip: () => buildRawZip([...members(request), { name: "readme.txt", data: "hi" }]),
      code: "INVALID_ARGS",
      exit: 4,
      message: invalidArgs(`request zip must contain only: ${SITE}.csr, request.json, site.yaml`),
    },
    {
      name: "no CSR",
      zip: () => buildRawZip(members(request, { [`${SITE}.csr`]: null })),
      code: "INVALID_ARGS",
      exit: 4,
      message: invalidArgs(`request zip must contain only: ${SITE}.csr, request.json, site.yaml`),
    },
    {
      name: "a request.json whose CSR hash was changed",
      zip: () => {
        const json = new TextDecoder().decode(request.get("request.json"));
        const tampered = json.replace(
          /("csr_sha256": ")([0-9a-f])/,
          (_, p, c) => `${p}${c === "a" ? "b" : "a"}`,
        );
        return buildRawZip(members(request, { "request.json": { data: tampered } }));
      },
      code: "INVALID_ARGS",
      exit: 4,
      message: invalidArgs("CSR hash does not match request metadata"),
    },
    {
      name: "a CSR that is not a CSR",
      zip: () =>
        buildRawZip(
          members(request, {
            [`${SITE}.csr`]: {
              data: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
            },
          }),
        ),
      code: "INVALID_CSR",
      exit: 1,
      message: `Invalid or corrupt CSR file: ${SITE}.csr.`,
    },
  ];

  cases.forEach((c, i) => {
    test(`refuses ${c.name}`, async () => {
      const file = `hostile/request-${i}/${SITE}.request.zip`;
      put(join(world.work, file), await c.zip());
      await expectRefusal(
        ["cert", "approve", file, "-c", "ca", "--profile", "project_profile.yaml"],
        c,
        file,
      );
    });
  });
});

describe("package refuses hostile signed zips and writes nothing", { concurrency: 2 }, () => {
  const text = (name: string) => new TextDecoder().decode(signed.get(name));
  const caKey = () => new Uint8Array(readFileSync(join(world.work, "ca", "rootCA.key")));
  const invalid = (message: string): Pick<Case, "code" | "exit" | "message"> => ({
    code: "INVALID_SIGNED_ZIP",
    exit: 4,
    message,
  });
  const cases: Case[] = [
    {
      name: "a ../x member",
      zip: () => buildRawZip([...members(signed), { name: "../x", data: "x" }]),
      ...invalid("Invalid path in signed zip <zip>: '../x'."),
    },
    {
      name: "a symlink member",
      zip: () =>
        buildRawZip([...members(signed), { name: "startup", data: "/etc", externalAttr: 0o120777 << 16 }]),
      ...invalid("Invalid path in signed zip <zip>: 'startup'."),
    },
    {
      name: "a directory entry",
      zip: () => buildRawZip([{ name: "startup/", data: "" }, ...members(signed)]),
      ...invalid("Invalid path in signed zip <zip>: 'startup/'."),
    },
    {
      name: "a .key member",
      zip: () => buildRawZip([...members(signed), { name: "server.key", data: KEY_BLOCK }]),
      ...invalid("Signed zip must not contain private key material."),
    },
    {
      name: "a private key appended to rootCA.pem",
      zip: () =>
        buildRawZip(members(signed, { "rootCA.pem": { data: `${text("rootCA.pem")}${KEY_BLOCK}` } })),
      ...invalid("Signed zip must not contain private key material."),
    },
    {
      name: "a member declared larger than 10 MiB",
      zip: () => buildRawZip(members(signed, { "rootCA.pem": { uncompressedSize: 10 * MiB + 1 } })),
      ...invalid("Signed zip member exceeds size limit: rootCA.pem."),
    },
    {
      name: "a deflate bomb",
      zip: () =>
        buildRawZip(
          members(signed, { "site.yaml": { payload: zeroBomb(200 * MiB), uncompressedSize: 1024, crc: 0 } }),
        ),
      code: "INVALID_SIGNED_ZIP",
      exit: 4,
      message: /^Not a valid signed zip: hostile\/signed-\d+\/x\.signed\.zip\. \u2014 /,
    },
    {
      name: "a wrong CRC-32",
      zip: () => buildRawZip(members(signed, { "signed.json": { crc: 1 } })),
      code: "INVALID_SIGNED_ZIP",
      exit: 4,
      message: /^Not a valid signed zip: .* \u2014 zip member CRC-32 mismatch/,
    },
    {
      name: "garbage",
      zip: () => new TextEncoder().encode("PK\x05\x06 not really"),
      code: "INVALID_SIGNED_ZIP",
      exit: 4,
      message: /^Not a valid signed zip: /,
    },
    {
      name: "no rootCA.pem",
      zip: () => buildRawZip(members(signed, { "rootCA.pem": null })),
      ...invalid("Signed zip is missing required file(s): rootCA.pem."),
    },
    {
      name: "two certificates",
      zip: () => buildRawZip([...members(signed), { name: "other.crt", data: text(`${SITE}.crt`) }]),
      ...invalid("Signed zip must contain exactly one signed certificate."),
    },
    {
      name: "an extra member",
      zip: () => buildRawZip([...members(signed), { name: "extra.txt", data: "x" }]),
      ...invalid("Signed zip contains unexpected file(s): extra.txt."),
    },
    {
      name: "signed.json changed without re-signing (clear text instead of tls)",
      zip: () =>
        buildRawZip(
          members(signed, {
            "signed.json": {
              data: text("signed.json").replace(
                '"default_connection_security": "tls"',
                '"default_connection_security": "clear"',
              ),
            },
          }),
        ),
      code: "INVALID_SIGNED_ZIP",
      exit: 4,
      message: /^Signed approval metadata signature is invalid/,
    },
    {
      name: "a certificate swapped for another one, even re-signed with the CA key",
      zip: () =>
        resignSignedZip(signedBytes, caKey(), (_, m) => {
          m.set(`${SITE}.crt`, m.get("rootCA.pem") as Uint8Array);
        }),
      ...invalid("Hash mismatch for cert in signed zip."),
    },
    {
      name: "a connection_security override slipped into site.yaml (re-signed, hash updated)",
      zip: async () => {
        const site = `${text("site.yaml").replace(/(type: client\n)/, "$1  connection_security: clear\n")}`;
        const { createHash } = await import("node:crypto");
        return resignSignedZip(signedBytes, caKey(), (s, m) => {
          m.set("site.yaml", new TextEncoder().encode(site));
          (s.hashes as Record<string, string>).site_yaml_sha256 = createHash("sha256")
            .update(site)
            .digest("hex");
        });
      },
      ...invalid("Signed zip site.yaml must not contain participant connection_security overrides."),
    },
    {
      name: "a path in the signed name (re-signed)",
      zip: () =>
        resignSignedZip(signedBytes, caKey(), (s) => {
          s.name = "../../etc/cron.d/x";
        }),
      ...invalid("Invalid participant name: '../../etc/cron.d/x'."),
    },
    {
      name: "a project name that is a path (re-signed)",
      zip: () =>
        resignSignedZip(signedBytes, caKey(), (s) => {
          s.project = "../escape";
        }),
      ...invalid("Invalid project name: '../escape'."),
    },
    {
      name: "a server host with a shell metacharacter (re-signed)",
      zip: () =>
        resignSignedZip(signedBytes, caKey(), (s) => {
          (s.server as Record<string, unknown>).host = "x;reboot";
        }),
      code: "INVALID_SIGNED_ZIP",
      exit: 4,
      message: /server\.host is invalid/,
    },
  ];

  cases.forEach((c, i) => {
    test(`refuses ${c.name}`, async () => {
      const file = `hostile/signed-${i}/x.signed.zip`;
      put(join(world.work, file), await c.zip());
      await expectRefusal(
        ["package", file, "--request-dir", SITE, "-w", "ws", "--fingerprint", fingerprint],
        c,
        file,
      );
    });
  });
});

describe("a signed zip from a rogue CA", () => {
  let rogueZip: string;
  const rogueFingerprint = () =>
    JSON.parse(readFileSync(join(world.work, "rogue-ca", "ca.json"), "utf8")).rootCA_fingerprint as string;
  before(async () => {
    // Someone who intercepts the request zip runs their own CA for the same project name.
    await initCa({ profile: "project_profile.yaml", outputDir: "rogue-ca" }, world.env);
    rogueZip = "rogue/hospital-a.signed.zip";
    await approveCert(
      {
        requestZip: `${SITE}/${SITE}.request.zip`,
        caDir: "rogue-ca",
        profile: "project_profile.yaml",
        out: rogueZip,
      },
      world.env,
    );
  });

  test("is refused when the out-of-band fingerprint is given", async () => {
    await expectRefusal(
      ["package", rogueZip, "--request-dir", SITE, "-w", "ws", "--fingerprint", fingerprint],
      {
        name: "rogue CA",
        zip: () => new Uint8Array(0),
        code: "ROOTCA_FINGERPRINT_MISMATCH",
        exit: 4,
        message: "Root CA SHA256 fingerprint does not match the expected out-of-band value.",
      },
      rogueZip,
    );
  });

  test("is refused where a kit of the real CA already exists in the same prod folder", async () => {
    const genuine = await runAsync(
      [
        "--format",
        "json",
        "package",
        `${SITE}/${SITE}.signed.zip`,
        "-w",
        "ws-real",
        "--fingerprint",
        fingerprint,
      ],
      { cwd: world.work, home: world.home },
    );
    assert.equal(genuine.code, 0, genuine.stdout);
    await expectRefusal(
      // Even with the rogue's own fingerprint and --force, the existing kit's root wins.
      [
        "package",
        rogueZip,
        "--request-dir",
        SITE,
        "-w",
        "ws-real",
        "--force",
        "--fingerprint",
        rogueFingerprint(),
      ],
      {
        name: "rogue CA beside a real kit",
        zip: () => new Uint8Array(0),
        code: "ROOTCA_FINGERPRINT_MISMATCH",
        exit: 4,
        message: /^Existing production directory .* uses a different root CA\./,
      },
      rogueZip,
    );
  });

  test("is only accepted without --fingerprint, and then with the warning that says so", async () => {
    const run = await runAsync(["package", rogueZip, "--request-dir", SITE, "-w", "ws-rogue"], {
      cwd: world.work,
      home: world.home,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^Warning: Root CA SHA256 fingerprint was not verified\. Use --fingerprint to verify it out-of-band\.\n/,
    );
  });
});
