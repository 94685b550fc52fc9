import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type Copy,
  cleanupAll,
  cloneWorld,
  FAULT_HOOK,
  hasStackTrace,
  leftovers,
  pool,
  runAsync,
  SITE,
  snapshot,
  snapshotDiff,
  stageWorlds,
  type World,
} from "./helpers/harness.ts";

// A failed command leaves the folders it was given byte for byte as it found them (paths,
// modes, bytes), at every stage: each validation failure of validation.md §4, and a full disk
// (ENOSPC) injected into each space-allocating call in turn, then once for real on a tiny tmpfs.

let fresh: World;
let withCa: World;
let withRequest: World;
let approved: World;
let packaged: World;
const copies: Copy[] = [];

function clone(base: World): Copy {
  const copy = cloneWorld(base, "flare-fail-");
  copies.push(copy);
  return copy;
}

const fingerprintOf = (copy: { work: string }) =>
  JSON.parse(readFileSync(join(copy.work, "ca", "ca.json"), "utf8")).rootCA_fingerprint as string;
const initArgs = (...extra: string[]) => [
  "cert",
  "init",
  "--profile",
  "project_profile.yaml",
  "-o",
  "ca",
  ...extra,
];
const requestArgs = (...extra: string[]) => ["cert", "request", "-p", "hospital-a.yaml", ...extra];
const approveArgs = (...extra: string[]) => [
  "cert",
  "approve",
  `${SITE}/${SITE}.request.zip`,
  "-c",
  "ca",
  "--profile",
  "project_profile.yaml",
  ...extra,
];
const packageArgs = (copy: { work: string }, ...extra: string[]) => [
  "package",
  `${SITE}/${SITE}.signed.zip`,
  "--request-dir",
  SITE,
  "--fingerprint",
  fingerprintOf(copy),
  ...extra,
];

before(async () => {
  ({ fresh, withCa, withRequest, approved, packaged } = await stageWorlds("flare-fail-base-"));
});

after(() => {
  cleanupAll([...copies, fresh, withCa, withRequest, approved, packaged].map((c) => c?.cleanup));
});

/** Runs a failing command on a copy of `base`, after `prepare`, and checks nothing changed. */
async function unchanged(
  base: () => World,
  args: (copy: Copy) => string[],
  code: string,
  exit: number,
  prepare: (copy: Copy) => void = () => {},
): Promise<void> {
  const copy = clone(base());
  prepare(copy);
  const before = snapshot(copy.root);
  const run = await runAsync(["--format", "json", ...args(copy)], { cwd: copy.work, home: copy.home });
  assert.equal(run.json?.error_code, code, run.stdout + run.stderr);
  assert.equal(run.code, exit);
  assert.ok(!hasStackTrace(run.stdout + run.stderr));
  assert.deepEqual(snapshotDiff(before, snapshot(copy.root)), [], "the failed command changed the tree");
}

describe("a validation failure at each stage changes nothing", { concurrency: 2 }, () => {
  test("cert init: profile missing", () =>
    unchanged(
      () => fresh,
      () => ["cert", "init", "--profile", "nope.yaml", "-o", "ca"],
      "INVALID_ARGS",
      4,
    ));
  test("cert init: invalid project name", () =>
    unchanged(
      () => fresh,
      () => ["cert", "init", "--profile", "bad.yaml", "-o", "ca"],
      "INVALID_PROJECT_NAME",
      4,
      (c) => writeFileSync(join(c.work, "bad.yaml"), "name: ../x\n"),
    ));
  test("cert init: -o is a file", () =>
    unchanged(
      () => fresh,
      () => ["cert", "init", "--profile", "project_profile.yaml", "-o", "server.yaml"],
      "OUTPUT_DIR_NOT_WRITABLE",
      1,
    ));
  test("cert init: CA exists", () =>
    unchanged(
      () => withCa,
      () => initArgs(),
      "CA_ALREADY_EXISTS",
      1,
    ));
  test("cert init --force: same deploy version", () =>
    unchanged(
      () => withCa,
      () => initArgs("--force"),
      "CA_VERSION_ALREADY_EXISTS",
      4,
    ));
  test("cert request: invalid participant", () =>
    unchanged(
      () => withCa,
      () => ["cert", "request", "-p", "project_profile.yaml"],
      "INVALID_ARGS",
      4,
    ));
  test("cert request: --out is a file", () =>
    unchanged(
      () => withCa,
      () => requestArgs("--out", "server.yaml"),
      "INVALID_ARGS",
      4,
    ));
  test("cert request: request zip exists", () =>
    unchanged(
      () => withRequest,
      () => requestArgs(),
      "CERT_ALREADY_EXISTS",
      1,
    ));
  test("cert request: key exists", () =>
    unchanged(
      () => withRequest,
      () => requestArgs(),
      "KEY_ALREADY_EXISTS",
      1,
      (c) => rmSync(join(c.work, SITE, `${SITE}.request.zip`)),
    ));
  test("cert approve: request zip missing", () =>
    unchanged(
      () => withRequest,
      () => ["cert", "approve", "x.request.zip", "-c", "ca", "--profile", "project_profile.yaml"],
      "REQUEST_ZIP_NOT_FOUND",
      1,
    ));
  test("cert approve: CA missing", () =>
    unchanged(
      () => withRequest,
      () => approveArgs(),
      "CA_NOT_FOUND",
      1,
      (c) => rmSync(join(c.work, "ca"), { recursive: true }),
    ));
  test("cert approve: profile of another project", () =>
    unchanged(
      () => withRequest,
      () => approveArgs(),
      "PROJECT_PROFILE_MISMATCH",
      4,
      (c) =>
        writeFileSync(
          join(c.work, "project_profile.yaml"),
          readFileSync(join(c.work, "project_profile.yaml"), "utf8").replace(
            "name: hospital_federation",
            "name: other",
          ),
        ),
    ));
  test("cert approve: signed zip exists", () =>
    unchanged(
      () => approved,
      () => approveArgs(),
      "CERT_ALREADY_EXISTS",
      1,
    ));
  test("cert approve: --out is a folder, even with --force", () =>
    unchanged(
      () => withRequest,
      () => approveArgs("--out", "ca", "--force"),
      "INVALID_ARGS",
      4,
    ));
  test("package: wrong out-of-band fingerprint", () =>
    unchanged(
      () => approved,
      (c) => [...packageArgs(c).slice(0, -1), `SHA256:${"00:".repeat(31)}00`],
      "ROOTCA_FINGERPRINT_MISMATCH",
      4,
    ));
  test("package: request folder missing", () =>
    unchanged(
      () => approved,
      (c) => [...packageArgs(c), "--request-dir", "nowhere"],
      "REQUEST_DIR_NOT_FOUND",
      4,
    ));
  test("package: key does not match", () =>
    unchanged(
      () => approved,
      (c) => packageArgs(c),
      "KEY_CERT_MISMATCH",
      1,
      (c) => writeFileSync(join(c.work, SITE, `${SITE}.key`), readFileSync(join(c.work, "ca", "rootCA.key"))),
    ));
  test("package: kit exists", () =>
    unchanged(
      () => packaged,
      (c) => packageArgs(c),
      "OUTPUT_DIR_EXISTS",
      1,
    ));
  test("package: -w is a file", () =>
    unchanged(
      () => approved,
      (c) => [...packageArgs(c), "-w", "server.yaml"],
      "OUTPUT_DIR_NOT_WRITABLE",
      1,
    ));
  test("package: the request folder cannot take the copies (a folder named signed.json)", () =>
    unchanged(
      () => approved,
      (c) => packageArgs(c),
      "OUTPUT_DIR_NOT_WRITABLE",
      1,
      (c) => mkdirSync(join(c.work, SITE, "signed.json", "x"), { recursive: true }),
    ));
  test("package with a DockerBuilder: the compose files beside the kit are taken back too", () =>
    unchanged(
      () => approved,
      (c) => packageArgs(c),
      "OUTPUT_DIR_NOT_WRITABLE",
      1,
      (c) => {
        mkdirSync(join(c.work, SITE, "signed.json", "x"), { recursive: true });
        const site = join(c.work, SITE, "site.yaml");
        writeFileSync(
          site,
          `${readFileSync(site, "utf8")}builders:\n- path: nvflare.lighter.impl.docker.DockerBuilder\n`,
        );
      },
    ));
});

interface Scenario {
  name: string;
  base: () => World;
  args: (copy: Copy) => string[];
  /** Writes an audit record last (a failure there is a warning, not an error). */
  audit: boolean;
}

const scenarios: Scenario[] = [
  { name: "cert init", base: () => fresh, args: () => initArgs(), audit: false },
  {
    name: "cert init --force",
    base: () => withCa,
    args: () => initArgs("--force", "--deploy-version", "01"),
    audit: false,
  },
  { name: "cert request", base: () => withCa, args: () => requestArgs(), audit: true },
  { name: "cert request --force", base: () => withRequest, args: () => requestArgs("--force"), audit: true },
  { name: "cert approve", base: () => withRequest, args: () => approveArgs(), audit: true },
  { name: "package", base: () => approved, args: (c) => packageArgs(c), audit: false },
  { name: "package --force", base: () => packaged, args: (c) => packageArgs(c, "--force"), audit: false },
];

function points(total: number, max: number): number[] {
  if (total <= max) return Array.from({ length: total }, (_, i) => i + 1);
  return [...new Set(Array.from({ length: max }, (_, i) => Math.round(1 + (i * (total - 1)) / (max - 1))))];
}

describe("a full disk at each space-allocating call", () => {
  test("fails cleanly with OUTPUT_DIR_NOT_WRITABLE and changes nothing (or only loses the audit record)", async () => {
    const jobs: { scenario: Scenario; point: number }[] = [];
    for (const scenario of scenarios) {
      const copy = clone(scenario.base());
      const countFile = join(copy.root, "count");
      const full = await runAsync(scenario.args(copy), {
        cwd: copy.work,
        home: copy.home,
        imports: [FAULT_HOOK],
        env: { FLARE_FAULT_COUNT_FILE: countFile },
      });
      assert.equal(full.code, 0, full.stderr);
      const { allocating } = JSON.parse(readFileSync(countFile, "utf8"));
      for (const point of points(allocating, 7)) jobs.push({ scenario, point });
    }
    await pool(jobs, 2, async ({ scenario, point }) => {
      const copy = clone(scenario.base());
      const before = snapshot(copy.root);
      const run = await runAsync(["--format", "json", ...scenario.args(copy)], {
        cwd: copy.work,
        home: copy.home,
        imports: [FAULT_HOOK],
        env: { FLARE_FAULT_FAIL_AT: String(point) },
      });
      const context = `${scenario.name}, ENOSPC at allocating call ${point}: ${run.stdout}${run.stderr}`;
      assert.ok(!hasStackTrace(run.stdout + run.stderr), context);
      if (run.code === 0) {
        // Only the best-effort audit record may fail without failing the command.
        assert.ok(scenario.audit, context);
        assert.equal((run.json?.data as Record<string, string> | undefined)?.audit, "(not written)", context);
        assert.match(
          run.stderr,
          /^Warning: could not write (request|approval) audit record: .*ENOSPC/m,
          context,
        );
      } else {
        assert.equal(run.code, 1, context);
        assert.equal(run.json?.error_code, "OUTPUT_DIR_NOT_WRITABLE", context);
        assert.match(
          String(run.json?.message),
          /^Cannot write to output directory \/.+\. \u2014 no space left on device \(ENOSPC\)$/,
          context,
        );
        assert.deepEqual(snapshotDiff(before, snapshot(copy.root)), [], context);
      }
      assert.deepEqual(leftovers(copy.root), [], context);
    });
  });
});

describe("a real full disk (a 256 KiB tmpfs)", () => {
  const mountPoint = join(process.env.TMPDIR ?? "/tmp", `flare-full-${process.pid}`);
  let mounted = false;
  before(() => {
    mkdirSync(mountPoint, { recursive: true });
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint], { stdio: "ignore" });
      mounted = true;
    } catch {
      mounted = false;
    }
  });
  after(() => {
    if (mounted) {
      try {
        execFileSync("umount", [mountPoint], { stdio: "ignore" });
      } catch {
        // Still busy: detach it now so that the folder can go (umount -l, Linux).
        execFileSync("umount", ["-l", mountPoint], { stdio: "ignore" });
      }
    }
    rmSync(mountPoint, { recursive: true, force: true });
  });

  test("package into a full file system fails cleanly and leaves it as it was", async (t) => {
    if (!mounted) {
      t.skip("mounting a tmpfs needs root (CAP_SYS_ADMIN); the injected ENOSPC test above covers the logic");
      return;
    }
    const copy = clone(approved);
    // Fill the file system but for three 4 KiB pages: neither a kit nor a request folder fits.
    writeFileSync(join(mountPoint, "filler"), new Uint8Array(256 * 1024 - 12 * 1024).fill(1));
    const before = snapshot(mountPoint);
    const run = await runAsync(["--format", "json", ...packageArgs(copy), "-w", join(mountPoint, "ws")], {
      cwd: copy.work,
      home: copy.home,
    });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(run.json?.error_code, "OUTPUT_DIR_NOT_WRITABLE");
    assert.match(String(run.json?.message), /no space left on device \(ENOSPC\)/);
    assert.deepEqual(snapshotDiff(before, snapshot(mountPoint)), []);
  });

  test("cert request into a full file system fails cleanly and leaves it as it was", async (t) => {
    if (!mounted) {
      t.skip("mounting a tmpfs needs root (CAP_SYS_ADMIN); the injected ENOSPC test above covers the logic");
      return;
    }
    const copy = clone(withCa);
    const before = snapshot(mountPoint);
    const run = await runAsync(["--format", "json", ...requestArgs("--out", join(mountPoint, "req"))], {
      cwd: copy.work,
      home: copy.home,
    });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(run.json?.error_code, "OUTPUT_DIR_NOT_WRITABLE");
    assert.deepEqual(snapshotDiff(before, snapshot(mountPoint)), []);
  });
});
