import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type AsyncRun,
  type Copy,
  cleanupAll,
  cloneWorld as cloneWorldIn,
  FAULT_HOOK,
  leftovers,
  pool,
  prng,
  runAsync,
  SITE,
  snapshot,
  snapshotDiff,
  stageWorlds,
  type World,
  zipMembers,
} from "./helpers/harness.ts";

// Nothing half-written, ever (docs/security.md): each command is killed with SIGKILL
// (1) just before each of its disk-changing calls in turn (an fs preload counts them), and
// (2) at 15 seeded-random instants spread over its run time. Afterwards the output must be
// absent or complete and valid, never a mix; the next run of a command must not trip on
// anything left behind and must leave no temporary names (`.<name>.tmp-<host>-<pid>-<start>-<hex>`, journals, locks).

type State = "before" | "after";

interface Scenario {
  name: string;
  /** Prepared once, copied for every run. */
  base: World;
  args: (copy: Copy) => string[];
  /** Classifies the state after recovery; throws (assert) when it is neither. */
  classify: (copy: Copy) => State;
  /** A command that recovers and writes nothing (existing-folder commits), run before classifying. */
  probe?: (copy: Copy) => string[];
  /** The most crash points to try (evenly spread, first and last included). */
  maxPoints: number;
}

const LEFTOVER =
  /(^|\/)\.(.+)\.(tmp|bak|old)-[A-Za-z0-9_-]+-\d+-\d+-[0-9a-f]{12}(\/|$)|(^|\/)\.flare-txn-|(^|\/)\.[^/]+\.flare-lock$/;
const copies: (() => void)[] = [];

function cloneWorld(base: World): Copy {
  const copy = cloneWorldIn(base, "flare-crash-");
  copies.push(copy.cleanup);
  return copy;
}

/** Snapshot of `path` under the copy's work folder without our temporaries. */
function clean(copy: Pick<Copy, "work">, path: string): Map<string, string> {
  const full = join(copy.work, path);
  if (!existsSync(full)) return new Map();
  return new Map([...snapshot(full)].filter(([key]) => !LEFTOVER.test(key)));
}

const run = (copy: Copy, args: string[], extra: Partial<Parameters<typeof runAsync>[1]> = {}) =>
  runAsync(["--format", "json", ...args], { cwd: copy.work, home: copy.home, ...extra });

/** Crash points 1..total, at most `max` of them, evenly spread with the first and last included. */
function points(total: number, max: number): number[] {
  if (total <= max) return Array.from({ length: total }, (_, i) => i + 1);
  return [...new Set(Array.from({ length: max }, (_, i) => Math.round(1 + (i * (total - 1)) / (max - 1))))];
}

async function countCalls(scenario: Scenario): Promise<number> {
  const copy = cloneWorld(scenario.base);
  const countFile = join(copy.root, "count");
  const result = await run(copy, scenario.args(copy), {
    imports: [FAULT_HOOK],
    env: { FLARE_FAULT_COUNT_FILE: countFile },
  });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  return JSON.parse(readFileSync(countFile, "utf8")).mutating as number;
}

/**
 * After a crash: recover (probe), classify, check that nothing of ours is left, then run the
 * command again: it must succeed from "before" or report that the output exists from "after",
 * and leave the complete output with no temporaries.
 */
const baseSnapshots = new Map<Scenario, Map<string, string>>();

function baseSnapshot(scenario: Scenario): Map<string, string> {
  let snap = baseSnapshots.get(scenario);
  if (!snap) {
    snap = snapshot(scenario.base.root);
    baseSnapshots.set(scenario, snap);
  }
  return snap;
}

async function checkAfterCrash(scenario: Scenario, copy: Copy, crashed: AsyncRun, label: string) {
  const context = `${scenario.name}, ${label}: ${crashed.stdout}${crashed.stderr}`;
  assert.ok(crashed.signal === "SIGKILL" || crashed.code === 0, context);
  if (crashed.code === 0) {
    // Finished before the kill: complete, and nothing of ours left behind.
    assert.equal(scenario.classify(copy), "after", context);
    assert.deepEqual(leftovers(copy.root), [], `${context}\nleft by a completed run`);
    return;
  }
  // Killed before it changed anything: a re-run is an ordinary first run.
  if (snapshotDiff(baseSnapshot(scenario), snapshot(copy.root)).length === 0) return;
  if (scenario.probe) {
    const probe = await run(copy, scenario.probe(copy));
    assert.notEqual(probe.code, 0, `${context}\nprobe unexpectedly succeeded`);
    assert.notEqual(probe.code, 5, `${context}\nprobe: ${probe.stdout}`);
  }
  let state: State;
  try {
    state = scenario.classify(copy);
  } catch (error) {
    throw new Error(`${context}\n${(error as Error).message}\n${[...snapshot(copy.work).keys()].join("\n")}`);
  }
  if (scenario.probe) assert.deepEqual(leftovers(copy.root), [], `${context}\nleft after recovery`);
  const rerun = await run(copy, scenario.args(copy));
  if (state === "before") {
    assert.equal(rerun.code, 0, `${context}\nrerun: ${rerun.stdout}`);
    assert.equal(scenario.classify(copy), "after", context);
  } else {
    // Already complete: a re-run either says so (exit 1/4) or, where replacing is the point
    // (--force) or a kill was rolled back, does it again.
    assert.ok(rerun.code === 0 || rerun.code === 1 || rerun.code === 4, `${context}\nrerun: ${rerun.stdout}`);
    if (!scenario.probe) assert.equal(scenario.classify(copy), "after", context);
  }
  assert.deepEqual(leftovers(copy.root), [], `${context}\nleft after the rerun`);
}

let fresh: World;
let withCa: World;
let withRequest: World;
let approved: World;
let packaged: World;
let expectedKit: Map<string, string>;
const KIT = `workspace/hospital_federation/prod_00/${SITE}`;

before(async () => {
  ({ fresh, withCa, withRequest, approved, packaged } = await stageWorlds("flare-crash-base-"));
  // The old kit is told apart from a new one by a file only it has.
  writeFileSync(join(packaged.work, KIT, "local", "old-kit-marker.txt"), "old\n");
  const reference = cloneWorld(approved);
  const done = await run(reference, packageArgs(reference));
  assert.equal(done.code, 0, done.stdout);
  expectedKit = clean(reference, KIT);
});

after(() => {
  cleanupAll([
    ...copies,
    fresh?.cleanup,
    withCa?.cleanup,
    withRequest?.cleanup,
    approved?.cleanup,
    packaged?.cleanup,
  ]);
});

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
const approveArgs = () => [
  "cert",
  "approve",
  `${SITE}/${SITE}.request.zip`,
  "-c",
  "ca",
  "--profile",
  "project_profile.yaml",
];
function packageArgs(copy: Copy, ...extra: string[]) {
  const { rootCA_fingerprint: fp } = JSON.parse(readFileSync(join(copy.work, "ca", "ca.json"), "utf8"));
  return ["package", `${SITE}/${SITE}.signed.zip`, "--request-dir", SITE, "--fingerprint", fp, ...extra];
}

const mode = (snap: Map<string, string>, key: string) => snap.get(key)?.split(" ").slice(0, 2).join(" ");
const hashOf = (snap: Map<string, string>, key: string) => snap.get(key)?.split(" ")[2];

function classifyNewCa(copy: Copy, baseCa: Map<string, string>): State {
  const ca = clean(copy, "ca");
  if (snapshotDiff(baseCa, ca).length === 0) return "before";
  const files = [...ca.keys()].filter((k) => !k.startsWith(".bak")).sort();
  assert.deepEqual(
    files,
    ["ca.json", "rootCA.key", "rootCA.pem"],
    `partial CA: ${[...ca.keys()].join(", ")}`,
  );
  assert.equal(mode(ca, "rootCA.key"), "f 600");
  assert.equal(mode(ca, "ca.json"), "f 600");
  assert.equal(mode(ca, "rootCA.pem"), "f 644");
  assert.match(readFileSync(join(copy.work, "ca", "rootCA.pem"), "utf8"), /^-----BEGIN CERTIFICATE-----/);
  const caJson = JSON.parse(readFileSync(join(copy.work, "ca", "ca.json"), "utf8"));
  if (baseCa.size === 0) {
    assert.equal(caJson.provision_version, "00");
    return "after";
  }
  // --force: all three files are new and the old three are in .bak/<ts>/, byte for byte.
  assert.equal(caJson.provision_version, "01", "mixed CA: old ca.json with new files");
  for (const file of files) assert.notEqual(hashOf(ca, file), hashOf(baseCa, file), `mixed CA: old ${file}`);
  const bak = [...ca.keys()].filter((k) => /^\.bak\/[^/]+\/[^/]+$/.test(k));
  assert.equal(bak.length, 3, `backup incomplete: ${bak.join(", ")}`);
  for (const key of bak) assert.equal(hashOf(ca, key), hashOf(baseCa, key.split("/").pop() as string), key);
  return "after";
}

function classifyRequest(copy: Copy, baseDir: Map<string, string>): State {
  const dir = clean(copy, SITE);
  if (snapshotDiff(baseDir, dir).length === 0) return "before";
  const files = [...dir.keys()].filter((k) => !k.startsWith(".bak")).sort();
  assert.deepEqual(
    files,
    [
      "hospital-a.csr",
      "hospital-a.key",
      "hospital-a.request.zip",
      "request-code.txt",
      "request.json",
      "site.yaml",
    ],
    `partial request folder: ${[...dir.keys()].join(", ")}`,
  );
  for (const [file, m] of Object.entries({
    "hospital-a.key": "f 600",
    "hospital-a.csr": "f 644",
    "request.json": "f 600",
    "request-code.txt": "f 644",
    "hospital-a.request.zip": "f 600",
    "site.yaml": "f 644",
  }))
    assert.equal(mode(dir, file), m, file);
  // Every file is from the same run: the zip carries this request.json and this CSR.
  const zip = zipMembers(join(copy.work, SITE, `${SITE}.request.zip`));
  assert.deepEqual(
    zip.get("request.json"),
    new Uint8Array(readFileSync(join(copy.work, SITE, "request.json"))),
  );
  assert.deepEqual(
    zip.get(`${SITE}.csr`),
    new Uint8Array(readFileSync(join(copy.work, SITE, `${SITE}.csr`))),
  );
  if (baseDir.size > 0) {
    assert.notEqual(
      hashOf(dir, "hospital-a.key"),
      hashOf(baseDir, "hospital-a.key"),
      "mixed: old key, new zip",
    );
    // The old key and CSR are in .bak/<ts>/, byte for byte.
    const bak = [...dir.keys()].filter((k) => /^\.bak\/[^/]+\/hospital-a\.(key|csr)$/.test(k));
    assert.equal(bak.length, 2, `backup missing: ${[...dir.keys()].join(", ")}`);
    for (const key of bak) assert.equal(hashOf(dir, key), hashOf(baseDir, key.split("/").pop() as string));
  }
  return "after";
}

function classifySignedZip(copy: Copy): State {
  const path = join(copy.work, SITE, `${SITE}.signed.zip`);
  if (!existsSync(path)) return "before";
  const members = [...zipMembers(path).keys()];
  assert.deepEqual(members, ["signed.json", "signed.json.sig", "site.yaml", `${SITE}.crt`, "rootCA.pem"]);
  return "after";
}

function classifyKit(copy: Copy, oldKit: Map<string, string>, newKit: Map<string, string>): State {
  const kit = clean(copy, KIT);
  const copiesPresent = ["signed.json", `${SITE}.crt`, "rootCA.pem"].filter((f) =>
    existsSync(join(copy.work, SITE, f)),
  );
  assert.ok(
    copiesPresent.length === 0 || copiesPresent.length === 3,
    `partial copies: ${copiesPresent.join(", ")}`,
  );
  if (kit.size === 0 && oldKit.size === 0) return "before";
  if (oldKit.size > 0 && snapshotDiff(oldKit, kit).length === 0) return "before";
  assert.deepEqual(snapshotDiff(newKit, kit), [], "the kit is neither the old nor the complete new one");
  return "after";
}

function scenarios(): Scenario[] {
  const baseCa = clean(withCa, "ca");
  const baseRequest = clean(withRequest, SITE);
  const oldKit = clean(packaged, KIT);
  return [
    {
      name: "cert init",
      base: fresh,
      args: () => initArgs(),
      classify: (c) => classifyNewCa(c, new Map()),
      maxPoints: 10,
    },
    {
      name: "cert init --force (new deploy version over an existing CA)",
      base: withCa,
      args: () => initArgs("--force", "--deploy-version", "01"),
      probe: () => initArgs(),
      classify: (c) => classifyNewCa(c, baseCa),
      maxPoints: 8,
    },
    {
      name: "cert request",
      base: withCa,
      args: () => requestArgs(),
      classify: (c) => classifyRequest(c, new Map()),
      maxPoints: 8,
    },
    {
      name: "cert request --force (over an existing request folder)",
      base: withRequest,
      args: () => requestArgs("--force"),
      probe: () => requestArgs(),
      classify: (c) => classifyRequest(c, baseRequest),
      maxPoints: 8,
    },
    {
      name: "cert approve",
      base: withRequest,
      args: () => approveArgs(),
      classify: classifySignedZip,
      maxPoints: 5,
    },
    {
      name: "package",
      base: approved,
      args: (c) => packageArgs(c),
      classify: (c) => classifyKit(c, new Map(), expectedKit),
      maxPoints: 8,
    },
    {
      name: "package --force (over an existing kit)",
      base: packaged,
      args: (c) => packageArgs(c, "--force"),
      probe: (c) => packageArgs(c),
      // Same signed zip, so the new kit is the old one without the marker.
      classify: (c) =>
        classifyKit(c, oldKit, new Map([...oldKit].filter(([k]) => !k.includes("old-kit-marker")))),
      maxPoints: 8,
    },
  ];
}

describe("SIGKILL just before each disk-changing call", () => {
  test("every command leaves no output or the complete output, and the next run recovers", async () => {
    const all = scenarios();
    const jobs: { scenario: Scenario; point: number }[] = [];
    for (const scenario of all) {
      const total = await countCalls(scenario);
      assert.ok(total >= 5, `${scenario.name}: only ${total} calls counted`);
      for (const point of points(total, scenario.maxPoints)) jobs.push({ scenario, point });
    }
    await pool(jobs, 2, async ({ scenario, point }) => {
      const copy = cloneWorld(scenario.base);
      const crashed = await run(copy, scenario.args(copy), {
        imports: [FAULT_HOOK],
        env: { FLARE_FAULT_CRASH_AT: String(point) },
      });
      assert.equal(crashed.signal, "SIGKILL", `${scenario.name}: no crash at call ${point}`);
      await checkAfterCrash(scenario, copy, crashed, `crash before call ${point}`);
    });
  });
});

describe("SIGKILL at seeded-random instants", () => {
  test("15 instants per command, spread over its run time", async () => {
    const random = prng(20261127);
    const jobs: { scenario: Scenario; delay: number }[] = [];
    for (const scenario of scenarios().filter((s) => !s.probe)) {
      const copy = cloneWorld(scenario.base);
      const started = Date.now();
      const full = await run(copy, scenario.args(copy));
      assert.equal(full.code, 0, full.stdout);
      const duration = Date.now() - started;
      for (let i = 0; i < 15; i++)
        jobs.push({ scenario, delay: Math.round(((i + random()) / 15) * duration * 1.1) });
    }
    await pool(jobs, 2, async ({ scenario, delay }) => {
      const copy = cloneWorld(scenario.base);
      const crashed = await run(copy, scenario.args(copy), { killAfterMs: delay });
      await checkAfterCrash(scenario, copy, crashed, `killed after ${delay} ms`);
    });
  });
});
