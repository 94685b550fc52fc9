import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { buildRawZip } from "../../src/core/zip/raw-zip.test-helper.ts";
import { readZip } from "../../src/core/zip/read-zip.ts";
import { REPO_ROOT } from "../helpers/fixtures.ts";
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

// YAML and JSON inputs that try to fool a reader (artifacts.md §1-§2, validation.md §2): alias
// bombs, duplicate keys, YAML 1.1 typing traps, host-language tags, oversized files, and unknown
// fields, in every file every command reads, through the built CLI.

const MiB = 1024 * 1024;
const BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...Array.from({ length: 8 }, (_, i) => {
    const p = String.fromCharCode(97 + i);
    const n = String.fromCharCode(98 + i);
    return `${n}: &${n} [*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p}]`;
  }),
  "name: *i",
].join("\n");

let world: World;
let fingerprint: string;
let n = 0;

before(async () => {
  world = await approvedWorld("flare-yaml-");
  fingerprint = JSON.parse(readFileSync(join(world.work, "ca", "ca.json"), "utf8")).rootCA_fingerprint;
});
after(() => world.cleanup());

/** A fresh case folder under work/cases/; returns its path relative to work/. */
function caseDir(): string {
  n += 1;
  return `cases/${n}`;
}

function inputsOnly(): Map<string, string> {
  return new Map([...snapshot(world.root)].filter(([key]) => !key.startsWith("work/cases")));
}

/** Runs a command that must fail with `code`/`exit` and a message matching `message`, writing nothing. */
async function refused(args: string[], code: string, exit: number, message: RegExp): Promise<void> {
  const before = inputsOnly();
  const started = Date.now();
  const run = await runAsync(["--format", "json", ...args], { cwd: world.work, home: world.home });
  assert.ok(Date.now() - started < 20_000, "took too long: a bomb went off");
  assert.deepEqual(snapshotDiff(before, inputsOnly()), [], "something was written");
  assert.equal(run.code, exit, run.stdout + run.stderr);
  assert.equal(run.json?.error_code, code, run.stdout);
  assert.match(String(run.json?.message), message);
  assert.ok(!hasStackTrace(run.stdout + run.stderr));
}

const profileText = () => readFileSync(join(world.work, "project_profile.yaml"), "utf8");
const siteText = () => readFileSync(join(world.work, "hospital-a.yaml"), "utf8");

describe("cert init reads its profile defensively", { concurrency: 2 }, () => {
  const init = async (profile: string | Uint8Array, code: string, exit: number, message: RegExp) => {
    const dir = caseDir();
    put(join(world.work, dir, "profile.yaml"), profile);
    await refused(
      ["cert", "init", "--profile", `${dir}/profile.yaml`, "-o", `${dir}/ca`],
      code,
      exit,
      message,
    );
  };
  const parse = (reason: string) =>
    new RegExp(`^Invalid arguments\\. \u2014 failed to parse yaml cases/\\d+/profile\\.yaml: ${reason}`);

  test("refuses a billion-laughs alias bomb at once", () =>
    init(BOMB, "INVALID_ARGS", 4, parse("anchors are not allowed at line 1")));
  test("refuses a file over 1 MiB before parsing it", () =>
    init(`name: x\n${"#".repeat(MiB)}\n`, "INVALID_ARGS", 4, parse("larger than 1048576 bytes")));
  test("refuses duplicate keys", () =>
    init(
      "name: hospital_federation\nname: other\n",
      "INVALID_ARGS",
      4,
      parse("duplicate mapping key 'name'"),
    ));
  test("refuses a host-language tag (no object construction)", () =>
    init(
      'name: !!python/object/apply:os.system ["id"]\n',
      "INVALID_ARGS",
      4,
      parse("tag !!python/object/apply:os.system is not allowed"),
    ));
  test("refuses merge keys", () =>
    init(
      "base: {name: x}\n<<: {name: y}\n",
      "INVALID_ARGS",
      4,
      parse("merge keys \\(<<\\) are not allowed"),
    ));
  test("refuses a second document", () =>
    init("name: a\n---\nname: b\n", "INVALID_ARGS", 4, parse("expected a single document")));
  test("refuses 10 000 levels of nesting without a stack overflow", () =>
    init(`name: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`, "INVALID_ARGS", 4, parse("")));
  test("refuses invalid UTF-8", () =>
    init(
      Uint8Array.of(0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xc3, 0x28, 0x0a),
      "INVALID_ARGS",
      4,
      parse("input is not valid UTF-8"),
    ));
  test("refuses a NUL byte", () =>
    init("name: a\0b\n", "INVALID_ARGS", 4, parse("unacceptable character #x0000")));
  test("refuses a list where a mapping belongs", () =>
    init(
      "- name: x\n",
      "INVALID_ARGS",
      4,
      /^Invalid arguments\. \u2014 yaml must be a mapping: cases\/\d+\/profile\.yaml$/,
    ));
  test("does not read a YAML 1.1 date as a project name", () =>
    init("name: 2026-01-01\n", "INVALID_PROJECT_NAME", 4, /^Invalid project name\./));
  test("does not read a YAML 1.1 octal as a project name", () =>
    init("name: 0012\n", "INVALID_PROJECT_NAME", 4, /^Invalid project name\./));
  test("does not read `on` as a project name", () =>
    init("name: on\n", "INVALID_PROJECT_NAME", 4, /^Invalid project name\./));
});

describe("cert request reads the participant file defensively", { concurrency: 2 }, () => {
  const request = async (text: string, code: string, exit: number, message: RegExp) => {
    const dir = caseDir();
    put(join(world.work, dir, "p.yaml"), text);
    await refused(["cert", "request", "-p", `${dir}/p.yaml`, "--out", `${dir}/out`], code, exit, message);
  };
  const withParticipant = (extra: string) =>
    siteText().replace("    org: hospital_alpha\n", `    org: hospital_alpha\n${extra}`);

  test("refuses an alias bomb", () =>
    request(BOMB, "INVALID_ARGS", 4, /failed to parse yaml .*anchors are not allowed/));
  test("refuses a single anchor and alias (hardening)", () =>
    request(
      siteText().replace("type: client", "type: &t client\n    role: *t"),
      "INVALID_ARGS",
      4,
      /anchors are not allowed/,
    ));
  test("refuses duplicate participant keys", () =>
    request(withParticipant("    org: evil_org\n"), "INVALID_ARGS", 4, /duplicate mapping key 'org'/));
  test("refuses a file over 1 MiB", () =>
    request(`${siteText()}#${"x".repeat(MiB)}\n`, "INVALID_ARGS", 4, /larger than 1048576 bytes/));
  test("does not take YAML 1.1 `0012` as an org", () =>
    request(
      siteText().replace("org: hospital_alpha", "org: 0012"),
      "INVALID_ARGS",
      4,
      /org must be a string/,
    ));
  test("does not take YAML 1.1 `yes` as a name", () =>
    request(
      siteText().replace("name: hospital-a", "name: yes"),
      "INVALID_ARGS",
      4,
      /participant definition is invalid: expected string or bytes-like object, got 'bool'/,
    ));
  test("does not take a quoted port for a number", () =>
    request(
      readFileSync(join(world.work, "server.yaml"), "utf8").replace(
        "org: hospital_central",
        'org: hospital_central\n    fed_learn_port: "8002"',
      ),
      "INVALID_ARGS",
      4,
      /server fed_learn_port must be an integer from 1 to 65535/,
    ));
  test("does not take `true` for a port", () =>
    request(
      readFileSync(join(world.work, "server.yaml"), "utf8").replace(
        "org: hospital_central",
        "org: hospital_central\n    admin_port: true",
      ),
      "INVALID_ARGS",
      4,
      /server admin_port must be an integer from 1 to 65535/,
    ));

  test("keeps unknown participant fields verbatim and out of every decision (artifacts.md §2)", async () => {
    const dir = caseDir();
    put(join(world.work, dir, "p.yaml"), withParticipant("    favourite_colour: blue\n"));
    const run = await runAsync(
      ["--format", "json", "cert", "request", "-p", `${dir}/p.yaml`, "--out", `${dir}/out`],
      {
        cwd: world.work,
        home: world.home,
      },
    );
    assert.equal(run.code, 0, run.stdout);
    assert.match(readFileSync(join(world.work, dir, "out", "site.yaml"), "utf8"), /favourite_colour: blue/);
    const zip = zipMembers(join(world.work, dir, "out", `${SITE}.request.zip`));
    assert.match(new TextDecoder().decode(zip.get("site.yaml")), /favourite_colour: blue/);
  });
});

describe("cert approve reads request metadata, CA files and the profile defensively", {
  concurrency: 2,
}, () => {
  const genuine = () => zipMembers(join(world.work, SITE, `${SITE}.request.zip`));
  const approveZip = async (
    change: (m: Map<string, Uint8Array>) => void,
    code: string,
    exit: number,
    message: RegExp,
    extra: string[] = [],
  ) => {
    const dir = caseDir();
    const members = genuine();
    change(members);
    put(
      join(world.work, dir, `${SITE}.request.zip`),
      buildRawZip([...members].map(([name, data]) => ({ name, data }))),
    );
    await refused(
      [
        "cert",
        "approve",
        `${dir}/${SITE}.request.zip`,
        "-c",
        "ca",
        "--profile",
        "project_profile.yaml",
        ...extra,
      ],
      code,
      exit,
      message,
    );
  };
  const enc = (s: string) => new TextEncoder().encode(s);
  const dec = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

  test("refuses a request site.yaml with an anchor", () =>
    approveZip(
      (m) => m.set("site.yaml", enc(dec(m.get("site.yaml")).replace("type: client", "type: &t client"))),
      "INVALID_ARGS",
      4,
      /^Invalid arguments\. \u2014 failed to parse yaml site\.yaml: anchors are not allowed/,
    ));
  test("refuses a request.json with a duplicate key", () =>
    approveZip(
      (m) => m.set("request.json", enc(dec(m.get("request.json")).replace("{", '{\n  "name": "evil",'))),
      "INVALID_ARGS",
      4,
      /^Invalid arguments\. \u2014 invalid request metadata: .*duplicate/,
    ));
  test("refuses a request.json name that is not a string", () =>
    approveZip(
      (m) =>
        m.set("request.json", enc(dec(m.get("request.json")).replace(`"name": "${SITE}"`, '"name": 12'))),
      "INVALID_NAME",
      4,
      /^Invalid name '12'/,
    ));
  test("refuses a ca.json with a duplicate key", async () => {
    const dir = caseDir();
    cpSync(join(world.work, "ca"), join(world.work, dir, "ca"), { recursive: true });
    const caJson = join(world.work, dir, "ca", "ca.json");
    writeFileSync(caJson, readFileSync(caJson, "utf8").replace("{", '{\n  "project": "other",'));
    await refused(
      [
        "cert",
        "approve",
        `${SITE}/${SITE}.request.zip`,
        "-c",
        `${dir}/ca`,
        "--profile",
        "project_profile.yaml",
        "--out",
        `${dir}/x.signed.zip`,
      ],
      "INVALID_ARGS",
      4,
      /failed to parse json .*duplicate/,
    );
  });
  test("refuses an oversized ca.json without reading it", async () => {
    const dir = caseDir();
    cpSync(join(world.work, "ca"), join(world.work, dir, "ca"), { recursive: true });
    truncateSync(join(world.work, dir, "ca", "ca.json"), 2 * MiB);
    await refused(
      [
        "cert",
        "approve",
        `${SITE}/${SITE}.request.zip`,
        "-c",
        `${dir}/ca`,
        "--profile",
        "project_profile.yaml",
        "--out",
        `${dir}/x.signed.zip`,
      ],
      "INVALID_ARGS",
      4,
      /cannot read .*ca\.json: larger than 1048576 bytes/,
    );
  });
  test("refuses a profile alias bomb", async () => {
    const dir = caseDir();
    put(join(world.work, dir, "profile.yaml"), BOMB);
    await refused(
      [
        "cert",
        "approve",
        `${SITE}/${SITE}.request.zip`,
        "-c",
        "ca",
        "--profile",
        `${dir}/profile.yaml`,
        "--out",
        `${dir}/x.signed.zip`,
      ],
      "INVALID_ARGS",
      4,
      /failed to parse yaml .*anchors are not allowed/,
    );
  });
  test("refuses an oversized request zip without reading it", async () => {
    const dir = caseDir();
    put(join(world.work, dir, "big.request.zip"), "");
    truncateSync(join(world.work, dir, "big.request.zip"), 65 * MiB);
    await refused(
      ["cert", "approve", `${dir}/big.request.zip`, "-c", "ca", "--profile", "project_profile.yaml"],
      "INVALID_ARGS",
      4,
      /^Invalid arguments\. \u2014 invalid request zip: larger than 67108864 bytes$/,
    );
  });

  test("ignores unknown fields in request.json and the profile, and never propagates them (artifacts.md §1, §6)", async () => {
    const dir = caseDir();
    const members = genuine();
    members.set(
      "request.json",
      enc(dec(members.get("request.json")).replace("{", '{\n  "evil_field": "x",')),
    );
    put(
      join(world.work, dir, `${SITE}.request.zip`),
      buildRawZip([...members].map(([name, data]) => ({ name, data }))),
    );
    put(
      join(world.work, dir, "profile.yaml"),
      `${profileText().replace("  admin_port: 8003", "  admin_port: 8003\n  evil_server_field: x")}evil_top: y\n`,
    );
    const run = await runAsync(
      [
        "--format",
        "json",
        "cert",
        "approve",
        `${dir}/${SITE}.request.zip`,
        "-c",
        "ca",
        "--profile",
        `${dir}/profile.yaml`,
      ],
      { cwd: world.work, home: world.home },
    );
    assert.equal(run.code, 0, run.stdout);
    const signed = dec(zipMembers(join(world.work, dir, `${SITE}.signed.zip`)).get("signed.json"));
    assert.doesNotMatch(signed, /evil/);
  });
});

describe("package reads the signed zip and the local request folder defensively", { concurrency: 2 }, () => {
  const caKey = () => new Uint8Array(readFileSync(join(world.work, "ca", "rootCA.key")));
  const signedBytes = () => new Uint8Array(readFileSync(join(world.work, SITE, `${SITE}.signed.zip`)));
  /** A private copy of the request folder (and a signed zip) to package from. */
  const prepare = async (
    changeFolder: (dir: string) => void,
    zip?: () => Promise<Uint8Array>,
  ): Promise<{ dir: string; args: string[] }> => {
    const dir = caseDir();
    cpSync(join(world.work, SITE), join(world.work, dir, SITE), { recursive: true });
    changeFolder(join(world.work, dir, SITE));
    const zipPath = `${dir}/${SITE}.signed.zip`;
    put(join(world.work, zipPath), zip ? await zip() : signedBytes());
    return {
      dir,
      args: [
        "package",
        zipPath,
        "--request-dir",
        `${dir}/${SITE}`,
        "-w",
        `${dir}/ws`,
        "--fingerprint",
        fingerprint,
      ],
    };
  };

  test("refuses a local site.yaml with an alias", async () => {
    const { args } = await prepare((d) =>
      writeFileSync(
        join(d, "site.yaml"),
        readFileSync(join(d, "site.yaml"), "utf8").replace("type: client", "type: &t client"),
      ),
    );
    await refused(args, "LOCAL_SITE_INVALID", 4, /anchors are not allowed/);
  });
  test("refuses an oversized local site.yaml", async () => {
    const { args } = await prepare((d) => truncateSync(join(d, "site.yaml"), 2 * MiB));
    await refused(args, "LOCAL_SITE_INVALID", 4, /cannot read .*site\.yaml: larger than 1048576 bytes/);
  });
  test("refuses an oversized key file", async () => {
    const { args } = await prepare((d) => truncateSync(join(d, `${SITE}.key`), 2 * MiB));
    await refused(args, "KEY_INVALID", 1, /larger than 1048576 bytes/);
  });
  test("refuses a local request.json with a duplicate key, naming the folder", async () => {
    const { args } = await prepare((d) =>
      writeFileSync(
        join(d, "request.json"),
        readFileSync(join(d, "request.json"), "utf8").replace("{", '{\n  "name": "x",'),
      ),
    );
    await refused(args, "REQUEST_DIR_MISMATCH", 4, /request\.json is not valid JSON: .*duplicate/);
  });
  test("refuses a validly signed signed.json with a duplicate key", async () => {
    const { args } = await prepare(
      () => {},
      async () => {
        const zip = await resignSignedZip(signedBytes(), caKey(), () => {});
        const members = new Map(readZip(zip).map((entry) => [entry.name, entry.data]));
        const { signPss } = await import("../../src/core/x509/pss.ts");
        const { parsePrivateKeyPem } = await import("../../src/core/x509/keys.ts");
        const { platformDeps } = await import("../../src/core/deps.ts");
        const text = new TextDecoder()
          .decode(members.get("signed.json"))
          .replace("{", '{\n  "name": "other",');
        const bytes = new TextEncoder().encode(text);
        const key = await parsePrivateKeyPem(caKey(), platformDeps());
        members.set("signed.json", bytes);
        members.set(
          "signed.json.sig",
          new TextEncoder().encode(await signPss(bytes, key.pkcs8Der, platformDeps())),
        );
        return buildRawZip([...members].map(([name, data]) => ({ name, data })));
      },
    );
    await refused(args, "INVALID_SIGNED_ZIP", 4, /^Failed to read signed\.json from signed zip .*duplicate/);
  });
  test("refuses a signed site.yaml with an anchor even when signed and hashed", async () => {
    const { args } = await prepare(
      () => {},
      () =>
        resignSignedZip(signedBytes(), caKey(), (s, m) => {
          const site = new TextDecoder()
            .decode(m.get("site.yaml"))
            .replace("type: client", "type: &t client");
          m.set("site.yaml", new TextEncoder().encode(site));
          (s.hashes as Record<string, string>).site_yaml_sha256 = createHash("sha256")
            .update(site)
            .digest("hex");
        }),
    );
    await refused(args, "INVALID_SIGNED_ZIP", 4, /site\.yaml/);
  });
  test("runs no class path that is not a stock builder without a Python with NVFlare (startup-kits.md §8)", async () => {
    const { args } = await prepare((d) =>
      writeFileSync(
        join(d, "site.yaml"),
        `${readFileSync(join(d, "site.yaml"), "utf8")}builders:\n- path: os.system\n  args: {}\n`,
      ),
    );
    await refused(
      [...args, "--python", join(world.work, "no-such-python")],
      "BUILDER_PYTHON_NOT_FOUND",
      4,
      /os\.system/,
    );
  });
  test("ignores an unknown field in a validly signed signed.json (artifacts.md §9.1)", async () => {
    const { dir, args } = await prepare(
      () => {},
      () =>
        resignSignedZip(signedBytes(), caKey(), (s) => {
          s.future_field = { anything: [1, 2] };
        }),
    );
    const run = await runAsync(["--format", "json", ...args], { cwd: world.work, home: world.home });
    assert.equal(run.code, 0, run.stdout);
    const data = run.json?.data as Record<string, string> | undefined;
    assert.equal(data?.output_dir, join(world.work, dir, "ws", "hospital_federation", "prod_00", SITE));
  });
});

describe("every file read goes through the capped reader", () => {
  test("no source file but src/node/read-input.ts reads files by itself", () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith(".ts") && !/\.test(-helper)?\.ts$/.test(entry.name)) {
          const text = readFileSync(path, "utf8");
          if (/\b(readFileSync|readSync|readFile|createReadStream|readv)\b|fs\/promises/.test(text))
            offenders.push(path.slice(REPO_ROOT.length + 1));
        }
      }
    };
    walk(join(REPO_ROOT, "src"));
    assert.deepEqual(offenders, ["src/node/read-input.ts"]);
  });
});
