import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type Copy,
  cleanupAll,
  cloneWorld,
  FAULT_HOOK,
  initWorldCa,
  newWorld,
  pool,
  requestWorld,
  runAsync,
  SITE,
  snapshot,
  type World,
} from "./helpers/harness.ts";

// Every command that reads a CA folder recovers it first (docs/security.md "Crashes"): after a
// `cert init --force` killed mid-commit (SIGKILL just before a disk-changing call, injected by
// the fs preload, at every call from the journal's creation to its removal), `cert approve`,
// a dry run and `cert inspect` of the folder see the CA as it was before the interrupted write,
// not a mix of the old and the new files.

let world: World;
const copies: Copy[] = [];

before(async () => {
  world = newWorld("flare-read-recovery-");
  await initWorldCa(world);
  await requestWorld(world);
});
after(() => cleanupAll([world?.cleanup, ...copies.map((c) => c.cleanup)]));

const INIT_FORCE = [
  "cert",
  "init",
  "--profile",
  "project_profile.yaml",
  "-o",
  "ca",
  "--force",
  "--deploy-version",
  "01",
];
const approve = (...extra: string[]) => [
  "--format",
  "json",
  "cert",
  "approve",
  `${SITE}/${SITE}.request.zip`,
  "-c",
  "ca",
  "--profile",
  "project_profile.yaml",
  ...extra,
];
const journalIn = (dir: string) => readdirSync(dir).some((name) => name.startsWith(".flare-txn-"));

describe("a CA folder left mid-commit by a killed cert init --force", () => {
  test("cert approve, its dry run and cert inspect recover it first and use the old CA", async () => {
    const counting = cloneWorld(world, "flare-read-recovery-");
    copies.push(counting);
    const countFile = join(counting.root, "count");
    const counted = await runAsync(INIT_FORCE, {
      cwd: counting.work,
      home: counting.home,
      imports: [FAULT_HOOK],
      env: { FLARE_FAULT_COUNT_FILE: countFile },
    });
    assert.equal(counted.code, 0, counted.stdout + counted.stderr);
    const total = JSON.parse(readFileSync(countFile, "utf8")).mutating as number;
    const oldCa = JSON.parse(readFileSync(join(world.work, "ca", "ca.json"), "utf8"));

    const points = Array.from({ length: total }, (_, i) => i + 1);
    const crashedCopies = await pool(points, 2, async (point) => {
      const c = cloneWorld(world, "flare-read-recovery-");
      copies.push(c);
      const crashed = await runAsync(INIT_FORCE, {
        cwd: c.work,
        home: c.home,
        imports: [FAULT_HOOK],
        env: { FLARE_FAULT_CRASH_AT: String(point) },
      });
      assert.equal(crashed.signal, "SIGKILL", `no crash at call ${point}`);
      // Only the kills that left a journal behind are a commit interrupted half way.
      return journalIn(join(c.work, "ca")) ? { point, state: c } : undefined;
    });
    const interrupted = crashedCopies.filter((x) => x !== undefined);
    assert.ok(interrupted.length >= 3, `only ${interrupted.length} crash points left a journal`);

    // Each such state, read first by each command in a copy of its own.
    const readers: { name: string; run: (c: Copy) => Promise<void> }[] = [
      {
        name: "cert inspect ca",
        run: async (c) => {
          const r = await runAsync(["--format", "json", "cert", "inspect", "ca"], {
            cwd: c.work,
            home: c.home,
          });
          assert.equal(r.code, 0, r.stdout + r.stderr);
          assert.equal(r.json?.status, "ok", r.stdout);
        },
      },
      {
        name: "cert approve --dry-run",
        run: async (c) => {
          const before = snapshot(join(c.work, SITE));
          const r = await runAsync(approve("--dry-run"), { cwd: c.work, home: c.home });
          assert.equal(r.code, 0, r.stdout + r.stderr);
          assert.match(r.stdout, new RegExp(oldCa.rootCA_fingerprint));
          assert.deepEqual(snapshot(join(c.work, SITE)), before, "the dry run wrote");
        },
      },
      {
        name: "cert approve",
        run: async (c) => {
          const r = await runAsync(approve(), { cwd: c.work, home: c.home });
          assert.equal(r.code, 0, r.stdout + r.stderr);
          const data = r.json?.data as Record<string, string>;
          assert.equal(data.provision_version, oldCa.provision_version);
          assert.equal(data.rootca_fingerprint_sha256, oldCa.rootCA_fingerprint);
        },
      },
    ];
    const jobs = interrupted.flatMap((x) => readers.map((reader) => ({ ...x, reader })));
    await pool(jobs, 2, async ({ point, state, reader }) => {
      const c = cloneWorld(state, "flare-read-recovery-");
      copies.push(c);
      try {
        await reader.run(c);
      } catch (error) {
        throw new Error(`${reader.name} after a crash before call ${point}: ${(error as Error).message}`);
      }
      assert.equal(journalIn(join(c.work, "ca")), false, `${reader.name} left the journal`);
      assert.deepEqual(JSON.parse(readFileSync(join(c.work, "ca", "ca.json"), "utf8")), oldCa, reader.name);
    });
  });
});
