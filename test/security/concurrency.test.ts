import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type AsyncRun,
  approveWorld,
  type Copy,
  cleanupAll,
  cloneWorld,
  FAULT_HOOK,
  initWorldCa,
  leftovers,
  newWorld,
  requestWorld,
  runAsync,
  SITE,
  type World,
} from "./helpers/harness.ts";

// Commands run at once (docs/security.md "Running commands at once"): a check and the write it
// allows are one step. The race windows are widened with a one-time sleep injected by the fs
// preload just before the write that matters, so each round really overlaps the two runs.

const OTHER = "hospital-b";
let worldA: World;
let worldB: World;
const copies: Copy[] = [];

before(async () => {
  // Two root CAs for the same project, hospital-a approved by the first, hospital-b by the second.
  worldA = newWorld("flare-conc-a-");
  await initWorldCa(worldA);
  await requestWorld(worldA);
  await approveWorld(worldA);
  worldB = newWorld("flare-conc-b-");
  await initWorldCa(worldB);
  await requestWorld(worldB, `${OTHER}.yaml`);
  await approveWorld(worldB, OTHER);
});
after(() => cleanupAll([worldA?.cleanup, worldB?.cleanup, ...copies.map((c) => c.cleanup)]));

function copyOf(world: World): Copy {
  const c = cloneWorld(world, "flare-conc-");
  copies.push(c);
  return c;
}

const run = (c: Copy, args: string[], delayAt?: string, delayMs = 300) =>
  runAsync(["--format", "json", ...args], {
    cwd: c.work,
    home: c.home,
    ...(delayAt
      ? {
          imports: [FAULT_HOOK],
          env: { FLARE_FAULT_DELAY_AT: delayAt, FLARE_FAULT_DELAY_MS: String(delayMs) },
        }
      : {}),
  });

const errorCode = (r: AsyncRun) => r.json?.error_code;
const output = (r: AsyncRun) => `exit ${r.code}: ${r.stdout}${r.stderr}`;

/** Exactly one of two concurrent runs succeeded; the other failed with `code`. */
function oneWinner(runs: AsyncRun[], codes: readonly string[], label: string): number {
  const winners = runs.flatMap((r, i) => (r.code === 0 ? [i] : []));
  assert.equal(winners.length, 1, `${label}: ${runs.map(output).join("\n")}`);
  const loser = runs[1 - (winners[0] as number)] as AsyncRun;
  assert.ok(codes.includes(String(errorCode(loser))), `${label}: the loser said ${output(loser)}`);
  return winners[0] as number;
}

const ROUNDS = 10;

describe("two package runs at once into a fresh workspace, from two root CAs", () => {
  test(`exactly one succeeds in each of ${ROUNDS} rounds, and the winner's root keeps working`, async () => {
    const packageArgs = (name: string, ...extra: string[]) => [
      "package",
      `${name}/${name}.signed.zip`,
      "--request-dir",
      name,
      "-w",
      "ws",
      ...extra,
    ];
    for (let round = 1; round <= ROUNDS; round++) {
      const c = copyOf(worldA);
      cpSync(join(worldB.work, OTHER), join(c.work, OTHER), { recursive: true });
      // Each run sleeps just before it starts writing its kit into prod_00 (after its check).
      const runs = await Promise.all([
        run(c, packageArgs(SITE), "/prod_00/."),
        run(c, packageArgs(OTHER), "/prod_00/."),
      ]);
      const winner = oneWinner(runs, ["ROOTCA_FINGERPRINT_MISMATCH"], `round ${round}`);
      const [win, lose] = winner === 0 ? [SITE, OTHER] : [OTHER, SITE];
      const again = await run(c, packageArgs(win, "--force"));
      assert.equal(again.code, 0, `round ${round}, the winner again: ${output(again)}`);
      const retry = await run(c, packageArgs(lose));
      assert.equal(errorCode(retry), "ROOTCA_FINGERPRINT_MISMATCH", `round ${round}: ${output(retry)}`);
      assert.deepEqual(leftovers(c.root), [], `round ${round}`);
    }
  });
});

describe("two cert approve --force of one request at once", () => {
  test(`the audit record always describes the signed zip on disk (${ROUNDS} rounds)`, async () => {
    const approveArgs = [
      "cert",
      "approve",
      `${SITE}/${SITE}.request.zip`,
      "-c",
      "ca",
      "--profile",
      "project_profile.yaml",
      "--force",
    ];
    for (let round = 1; round <= ROUNDS; round++) {
      const c = copyOf(worldA);
      // One of them sleeps between writing its zip and writing its audit record.
      const runs = await Promise.all([run(c, approveArgs, "cert_approves/.", 400), run(c, approveArgs)]);
      for (const r of runs) assert.equal(r.code, 0, `round ${round}: ${output(r)}`);
      const data = runs[0]?.json?.data as Record<string, string> | undefined;
      const requestId = data?.request_id;
      const audit = JSON.parse(
        readFileSync(join(c.home, ".nvflare", "cert_approves", `${requestId}.json`), "utf8"),
      );
      const zip = readFileSync(join(c.work, SITE, `${SITE}.signed.zip`));
      assert.equal(
        audit.hashes.signed_zip_sha256,
        createHash("sha256").update(zip).digest("hex"),
        `round ${round}: the audit record describes another signed zip`,
      );
      assert.deepEqual(leftovers(c.root), [], `round ${round}`);
    }
  });
});

describe("the loser of two cert init or cert request runs at once", () => {
  test("cert init: CA_ALREADY_EXISTS, not OUTPUT_DIR_NOT_WRITABLE", async () => {
    for (let round = 1; round <= 5; round++) {
      const c = copyOf(worldA);
      const args = ["cert", "init", "--profile", "project_profile.yaml", "-o", "ca2"];
      // Both pass the "no CA yet" check, then sleep before renaming their new folder into place.
      const runs = await Promise.all([run(c, args, "/.ca2.tmp-"), run(c, args, "/.ca2.tmp-")]);
      oneWinner(runs, ["CA_ALREADY_EXISTS"], `round ${round}`);
      assert.deepEqual(leftovers(c.root), [], `round ${round}`);
    }
  });

  test("cert request: KEY_ALREADY_EXISTS, not OUTPUT_DIR_NOT_WRITABLE", async () => {
    for (let round = 1; round <= 5; round++) {
      const c = copyOf(worldA);
      const args = ["cert", "request", "-p", `${OTHER}.yaml`];
      const runs = await Promise.all([run(c, args, `/.${OTHER}.tmp-`), run(c, args, `/.${OTHER}.tmp-`)]);
      oneWinner(runs, ["KEY_ALREADY_EXISTS"], `round ${round}`);
      assert.deepEqual(leftovers(c.root), [], `round ${round}`);
    }
  });
});
