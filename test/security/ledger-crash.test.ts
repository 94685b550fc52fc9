import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  approveWorld,
  type Copy,
  cleanupAll,
  cloneWorld,
  FAULT_HOOK,
  initWorldCa,
  leftovers,
  newWorld,
  pool,
  requestWorld,
  runAsync,
  type World,
} from "./helpers/harness.ts";

// Both or neither, under SIGKILL: `cert approve` commits the signed zip (in the request's
// folder) and its ledger entry (in the CA folder) together, and `cert revoke` the revocation
// entry and crl.pem. Each command is killed just before each of its disk-changing calls in
// turn (the fs preload of crash-atomicity.test.ts counts them); then the next command on the
// CA folder (`cert ledger verify`, which recovers a killed commit first) must find a ledger
// that verifies and holds the entry exactly when the output exists.

const copies: (() => void)[] = [];
let firstApproval: World;
let laterApproval: World;

function clone(base: World): Copy {
  const copy = cloneWorld(base, "flare-ledger-crash-");
  copies.push(copy.cleanup);
  return copy;
}

const run = (copy: Copy, args: string[], extra: Partial<Parameters<typeof runAsync>[1]> = {}) =>
  runAsync(["--format", "json", ...args], { cwd: copy.work, home: copy.home, ...extra });

const approveArgs = (name: string) => [
  "cert",
  "approve",
  `${name}/${name}.request.zip`,
  "-c",
  "ca",
  "--profile",
  "project_profile.yaml",
];
const revokeArgs = ["cert", "revoke", "hospital-a", "-c", "ca", "--reason", "keyCompromise"];

function entries(copy: Copy): Record<string, unknown>[] {
  const path = join(copy.work, "ca", "ledger.jsonl");
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

interface Scenario {
  name: string;
  base: () => World;
  args: string[];
  /** Entries before the command. */
  before: number;
  /** Whether the command's output exists; throws when it is half there. */
  done: (copy: Copy) => boolean;
}

function approvalDone(name: string, before: number) {
  return (copy: Copy): boolean => {
    const zip = join(copy.work, name, `${name}.signed.zip`);
    const list = entries(copy);
    const has = existsSync(zip);
    assert.equal(
      list.length,
      before + (has ? 1 : 0),
      `signed zip ${has ? "without" : "with"} its ledger entry`,
    );
    if (has) assert.equal(list[before]?.signed_zip_sha256, sha256(zip), "the entry is not this signed zip's");
    return has;
  };
}

function revocationDone(copy: Copy): boolean {
  const list = entries(copy);
  const crl = join(copy.work, "ca", "crl.pem");
  const has = existsSync(crl);
  assert.equal(list.length, 2 + (has ? 1 : 0), `crl.pem ${has ? "without" : "with"} its revocation entry`);
  if (has) {
    const der = Buffer.from(
      readFileSync(crl, "utf8")
        .replace(/-----[^-]+-----/g, "")
        .replace(/\s+/g, ""),
      "base64",
    );
    assert.equal(list[2]?.crl_sha256, createHash("sha256").update(der).digest("hex"));
  }
  return has;
}

const scenarios = (): Scenario[] => [
  {
    name: "cert approve, starting the ledger",
    base: () => firstApproval,
    args: approveArgs("hospital-a"),
    before: 0,
    done: approvalDone("hospital-a", 0),
  },
  {
    name: "cert approve, appending to the ledger",
    base: () => laterApproval,
    args: approveArgs("hospital-b"),
    before: 1,
    done: approvalDone("hospital-b", 1),
  },
  {
    name: "cert revoke",
    base: () => laterApproval,
    args: revokeArgs,
    before: 1,
    done: revocationDone,
  },
];

async function countCalls(scenario: Scenario): Promise<number> {
  const copy = clone(scenario.base());
  const countFile = join(copy.root, "count");
  const prepared = await prepare(scenario, copy);
  assert.equal(prepared, true);
  const result = await run(copy, scenario.args, {
    imports: [FAULT_HOOK],
    env: { FLARE_FAULT_COUNT_FILE: countFile },
  });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  return JSON.parse(readFileSync(countFile, "utf8")).mutating as number;
}

/** The revoke scenario needs hospital-b approved too (two entries); the others start as staged. */
async function prepare(scenario: Scenario, copy: Copy): Promise<boolean> {
  if (scenario.name !== "cert revoke") return true;
  const approved = await run(copy, approveArgs("hospital-b"));
  assert.equal(approved.code, 0, approved.stdout);
  return true;
}

before(async () => {
  firstApproval = newWorld("flare-ledger-crash-base-");
  await initWorldCa(firstApproval);
  await requestWorld(firstApproval);
  laterApproval = newWorld("flare-ledger-crash-base-");
  await initWorldCa(laterApproval);
  await requestWorld(laterApproval);
  await approveWorld(laterApproval);
  await requestWorld(laterApproval, "hospital-b.yaml");
});

after(() => cleanupAll([...copies, firstApproval?.cleanup, laterApproval?.cleanup]));

describe("SIGKILL just before each disk-changing call of approve and revoke", () => {
  test("the output and its ledger entry exist both or neither, and the next run recovers", async () => {
    const jobs: { scenario: Scenario; point: number }[] = [];
    for (const scenario of scenarios()) {
      const total = await countCalls(scenario);
      assert.ok(total >= 8, `${scenario.name}: only ${total} calls counted`);
      for (let point = 1; point <= total; point++) jobs.push({ scenario, point });
    }
    let before = 0;
    let after = 0;
    await pool(jobs, 2, async ({ scenario, point }) => {
      const copy = clone(scenario.base());
      await prepare(scenario, copy);
      const label = `${scenario.name}, crash before call ${point}`;
      const crashed = await run(copy, scenario.args, {
        imports: [FAULT_HOOK],
        env: { FLARE_FAULT_CRASH_AT: String(point) },
      });
      assert.equal(crashed.signal, "SIGKILL", `${label}: no crash`);
      // The next command on the CA folder recovers the killed commit, then the ledger verifies.
      const verify = await run(copy, ["cert", "ledger", "verify", "-c", "ca"]);
      assert.equal(verify.code, 0, `${label}: ${verify.stdout}`);
      assert.equal(
        existsSync(join(copy.work, "ca", ".ledger.jsonl.flare-lock")),
        false,
        `${label}: stale lock left`,
      );
      const done = scenario.done(copy);
      if (done) after++;
      else before++;
      const rerun = await run(copy, scenario.args);
      if (done) assert.ok(rerun.code === 1 || rerun.code === 4, `${label}: rerun ${rerun.stdout}`);
      else assert.equal(rerun.code, 0, `${label}: rerun ${rerun.stdout}`);
      assert.equal(scenario.done(copy), true, label);
      const again = await run(copy, ["cert", "ledger", "verify", "-c", "ca"]);
      assert.equal(again.code, 0, `${label}: ${again.stdout}`);
      assert.deepEqual(leftovers(copy.root), [], `${label}: left after the rerun`);
    });
    // Some kills came before the commit point and some after: both outcomes were exercised.
    assert.ok(before > 0 && after > 0, `before ${before}, after ${after}`);
  });
});
