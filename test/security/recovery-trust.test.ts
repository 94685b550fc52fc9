import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, lchownSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { hostToken } from "../../src/node/writer-id.ts";
import {
  type Copy,
  cleanupAll,
  cloneWorld,
  initWorldCa,
  newWorld,
  requestWorld,
  runAsync,
  SITE,
  snapshot,
  snapshotDiff,
  type World,
} from "./helpers/harness.ts";

// Crash recovery must never be turned against its user (docs/security.md "What recovery
// trusts"). Someone who can drop files into a folder the victim writes to (a shared inbox) plants
// journals and temp files there; the victim then runs `cert approve`, which recovers that folder
// (the request folder: the signed zip goes there) before writing. Every case plants both the
// names this tool writes and the pid-only names of earlier versions, and afterwards the folder
// must hold exactly what it held plus the new signed zip: nothing deleted, nothing renamed in.

let world: World;
const copies: Copy[] = [];
/** A pid that certainly belonged to a process that has exited. */
const deadPid = spawnSync(process.execPath, ["-e", ""]).pid as number;
const HOST = hostToken(hostname());
const token = (host = HOST, pid = deadPid, started = "4242") => `${host}-${pid}-${started}`;
const isRoot = typeof process.geteuid === "function" && process.geteuid() === 0;
const OTHER_UID = 65534;

before(async () => {
  world = newWorld("flare-recovery-");
  await initWorldCa(world);
  await requestWorld(world);
});
after(() => cleanupAll([world?.cleanup, ...copies.map((c) => c.cleanup)]));

function copy(): Copy {
  const c = cloneWorld(world, "flare-recovery-");
  copies.push(c);
  return c;
}

/** A journal in the shape this tool writes, for a writer and entries. */
function journal(
  writer: { host: string; pid: number; started: string },
  entries: { target: string; temp: string; backup: string | null }[],
  extra: Record<string, unknown> = {},
) {
  return JSON.stringify({ flare_txn: 1, writer, entries, links: [], dirs: [], ...extra });
}

/**
 * Runs `cert approve` of hospital-a's request after `plant` put its files into the request
 * folder: it must succeed, add only the signed zip (and start the CA's ledger), and return its
 * stderr (warnings in JSON mode).
 */
async function approveAfter(plant: (requestDir: string, c: Copy) => void): Promise<string> {
  const c = copy();
  const requestDir = join(c.work, SITE);
  plant(requestDir, c);
  const before = snapshot(c.work);
  const r = await runAsync(
    [
      "--format",
      "json",
      "cert",
      "approve",
      `${SITE}/${SITE}.request.zip`,
      "-c",
      "ca",
      "--profile",
      "project_profile.yaml",
    ],
    { cwd: c.work, home: c.home },
  );
  const changed = snapshotDiff(before, snapshot(c.work)).map((line) => line.split(" (")[0]);
  assert.deepEqual(
    changed,
    ["+ ca/ledger.head.json", "+ ca/ledger.jsonl", `+ ${SITE}/${SITE}.signed.zip`],
    `${r.stdout}${r.stderr}`,
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.stderr;
}

/** The victim's key as a journal entry: "a new file, renamed into place" (rollback deletes it). */
const newKeyEntry = (t: string) => ({
  target: `${SITE}.key`,
  temp: `.${SITE}.key.tmp-${t}-0123456789ab`,
  backup: null,
});
/** The same in the pid-only naming of earlier versions. */
const oldKeyEntry = {
  target: `${SITE}.key`,
  temp: `.${SITE}.key.tmp-${deadPid}-0123456789ab`,
  backup: null,
};
const oldJournal = (name = "0123456789ab") => `.flare-txn-${deadPid}-${name}.json`;
const newJournal = (t: string) => `.flare-txn-${t}-0123456789ab.json`;

describe("planted journals and temp files leave the victim's files untouched", () => {
  test("a journal naming a path outside its folder, or through a symlink", async () => {
    const t = token();
    const stderr = await approveAfter((dir, c) => {
      const outside = join(c.root, "attacker.txt");
      writeFileSync(outside, "attacker's bytes");
      // `.bak/../..` is the folder's parent, removed recursively by a trusting rollback.
      writeFileSync(
        join(dir, oldJournal()),
        JSON.stringify({ entries: [], links: [".bak/../.."], dirs: [] }),
      );
      writeFileSync(
        join(dir, newJournal(t)),
        journal({ host: hostname(), pid: deadPid, started: "4242" }, [], { links: [".bak/../.."] }),
      );
      // A backup that is a symlink to the attacker's file, renamed over the victim's key.
      const t2 = token(HOST, deadPid, "4343");
      const oldBackup = `.${SITE}.key.bak-${deadPid}-00000000000a`;
      const newBackup = `.${SITE}.key.bak-${t2}-00000000000a`;
      symlinkSync(outside, join(dir, oldBackup));
      symlinkSync(outside, join(dir, newBackup));
      writeFileSync(
        join(dir, oldJournal("00000000000b")),
        JSON.stringify({ entries: [{ ...oldKeyEntry, backup: oldBackup }], links: [], dirs: [] }),
      );
      writeFileSync(
        join(dir, newJournal(t2)),
        journal({ host: hostname(), pid: deadPid, started: "4343" }, [
          { ...newKeyEntry(t2), backup: newBackup },
        ]),
      );
    });
    assert.match(stderr, /left alone .*: it is not a journal this program writes\./);
    assert.match(
      stderr,
      /left alone .*: it names an entry that recovery may not touch \(.* is a symbolic link\)\./,
    );
  });

  test("a journal whose content is not exactly what this tool writes", async () => {
    const t = token();
    const stderr = await approveAfter((dir) => {
      writeFileSync(join(dir, oldJournal()), JSON.stringify({ entries: [oldKeyEntry], links: [], dirs: [] }));
      // Our name, this host, a dead writer, but the earlier content shape (no format marker, no writer).
      writeFileSync(
        join(dir, newJournal(t)),
        JSON.stringify({ entries: [newKeyEntry(t)], links: [], dirs: [] }),
      );
      // Right shape plus a field we never write, and a writer that disagrees with the name.
      const t2 = token(HOST, deadPid, "5151");
      writeFileSync(
        join(dir, newJournal(t2)),
        journal({ host: hostname(), pid: deadPid, started: "5151" }, [newKeyEntry(t2)], { run: "rm -rf ~" }),
      );
      const t3 = token(HOST, deadPid, "5252");
      writeFileSync(
        join(dir, newJournal(t3)),
        journal({ host: hostname(), pid: deadPid + 1, started: "5252" }, [newKeyEntry(t3)]),
      );
      // A temp named for another file than the target it is said to replace.
      const t4 = token(HOST, deadPid, "5353");
      writeFileSync(
        join(dir, newJournal(t4)),
        journal({ host: hostname(), pid: deadPid, started: "5353" }, [
          { target: `${SITE}.key`, temp: `.site.yaml.tmp-${t4}-0123456789ab`, backup: null },
        ]),
      );
    });
    assert.equal(stderr.match(/it is not a journal this program writes\./g)?.length, 4, stderr);
  });

  test("a journal from another host is never rolled back, and is reported", async () => {
    // pid 1 runs here too, but says nothing about a process on the other host.
    const other = { host: "other-host.example.org", pid: 1, started: "77" };
    const t = token(hostToken(other.host), other.pid, other.started);
    const stderr = await approveAfter((dir) => {
      writeFileSync(join(dir, oldJournal()), JSON.stringify({ entries: [oldKeyEntry], links: [], dirs: [] }));
      writeFileSync(join(dir, newJournal(t)), journal(other, [newKeyEntry(t)]));
      // Its temps are left alone as well.
      writeFileSync(join(dir, `.${SITE}.csr.tmp-${t}-0123456789ab`), "the other host's data");
    });
    assert.match(
      stderr,
      /Warning: left alone .*\.flare-txn-other-host_example_org-1-77-0123456789ab\.json: it is the journal of an interrupted write on host 'other-host_example_org', which may still be running there; remove it once no flare-provision command runs on that host\./,
    );
  });

  test("journals and temp files owned by another uid", {
    skip: !isRoot && "needs root to chown files to another uid",
  }, async () => {
    const t = token(HOST, deadPid, "6161");
    const stderr = await approveAfter((dir) => {
      const plant = (name: string, bytes: string) => {
        writeFileSync(join(dir, name), bytes);
        chownSync(join(dir, name), OTHER_UID, OTHER_UID);
      };
      plant(oldJournal(), JSON.stringify({ entries: [oldKeyEntry], links: [], dirs: [] }));
      plant(newJournal(t), journal({ host: hostname(), pid: deadPid, started: "6161" }, [newKeyEntry(t)]));
      // "A folder moved aside": renamed into place as the victim's signed zip when its name is free.
      plant(`.${SITE}.signed.zip.old-${deadPid}-0123456789ab`, "attacker's zip");
      plant(`.${SITE}.signed.zip.old-${t}-0123456789ab`, "attacker's zip");
      plant(`.notes.tmp-${t}-0123456789ab`, "someone else's temp");
      // A symlink of theirs is theirs too.
      symlinkSync("/", join(dir, `.root.tmp-${t}-00000000000c`));
      lchownSync(join(dir, `.root.tmp-${t}-00000000000c`), OTHER_UID, OTHER_UID);
    });
    assert.match(stderr, /left alone .*: it was not written by this user \(owner uid 65534\)\./);
  });

  test("in a folder owned by another uid, nothing is recovered", {
    skip: !isRoot && "needs root to chown a folder to another uid",
  }, async () => {
    const t = token(HOST, deadPid, "7171");
    const stderr = await approveAfter((dir) => {
      writeFileSync(join(dir, oldJournal()), JSON.stringify({ entries: [oldKeyEntry], links: [], dirs: [] }));
      writeFileSync(
        join(dir, newJournal(t)),
        journal({ host: hostname(), pid: deadPid, started: "7171" }, [newKeyEntry(t)]),
      );
      chownSync(dir, OTHER_UID, OTHER_UID);
    });
    assert.match(
      stderr,
      new RegExp(
        `left alone what interrupted writes left in .*${SITE}: the folder belongs to uid 65534, not to this user\\.`,
      ),
    );
  });
});

describe("every folder a command recovers", () => {
  /** Plants the path-out-of-the-folder and wrong-shape journals (both namings) into `dir`. */
  const plantAll = (dir: string) => {
    const t = token(HOST, deadPid, "8181");
    writeFileSync(join(dir, oldJournal()), JSON.stringify({ entries: [], links: [".bak/../.."], dirs: [] }));
    writeFileSync(
      join(dir, oldJournal("00000000000b")),
      JSON.stringify({ entries: [oldKeyEntry], links: [], dirs: [] }),
    );
    writeFileSync(
      join(dir, newJournal(t)),
      JSON.stringify({ entries: [newKeyEntry(t)], links: [], dirs: [] }),
    );
  };
  /** Runs `args` after planting into `dir`; every change must be an addition under `added`. */
  async function plantedThen(c: Copy, dir: string, args: string[], added: RegExp) {
    plantAll(dir);
    const before = snapshot(c.work);
    const r = await runAsync(["--format", "json", ...args], { cwd: c.work, home: c.home });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const changed = snapshotDiff(before, snapshot(c.work)).map((line) => line.split(" (")[0] as string);
    assert.ok(changed.length > 0);
    for (const line of changed) assert.match(line, added, changed.join("\n"));
  }

  test("cert init: the parent of -o", async () => {
    const c = copy();
    await plantedThen(
      c,
      c.work,
      ["cert", "init", "--profile", "project_profile.yaml", "-o", "ca2"],
      /^\+ ca2(\/|$)/,
    );
  });

  test("cert request: the parent of --out, and the request folder itself", async () => {
    const c = copy();
    writeFileSync(join(c.work, `${SITE}.key`), "the victim's other key");
    await plantedThen(
      c,
      c.work,
      ["cert", "request", "-p", "hospital-b.yaml", "--out", "req-b"],
      /^\+ req-b(\/|$)/,
    );
    await plantedThen(
      c,
      join(c.work, SITE),
      ["cert", "request", "-p", "hospital-a.yaml", "--force"],
      new RegExp(
        `^(\\+ ${SITE}/\\.bak(/|$)|~ ${SITE}/(${SITE}\\.(key|csr|request\\.zip)|site\\.yaml|request\\.json|request-code\\.txt)$)`,
      ),
    );
  });

  test("package: the request folder it is given and the workspace it writes", async () => {
    const c = copy();
    const approved = await runAsync(
      ["cert", "approve", `${SITE}/${SITE}.request.zip`, "-c", "ca", "--profile", "project_profile.yaml"],
      { cwd: c.work, home: c.home },
    );
    assert.equal(approved.code, 0, approved.stdout + approved.stderr);
    await plantedThen(
      c,
      join(c.work, SITE),
      // Named explicitly: the request audit record in HOME names the original world's folder.
      ["package", `${SITE}/${SITE}.signed.zip`, "--request-dir", SITE],
      new RegExp(`^\\+ (workspace(/|$)|${SITE}/(signed\\.json|${SITE}\\.crt|rootCA\\.pem)$)`),
    );
  });
});

describe("what recovery still does", () => {
  test("a genuine interrupted commit is rolled back even when its pid now belongs to a live process", {
    skip: !existsSync("/proc/self/stat") && "needs /proc to tell a reused pid apart",
  }, async () => {
    // The writer's pid is this test process (alive), but its start time is another one: the pid
    // was reused, so the writer is dead and its commit is undone.
    const c = copy();
    const dir = join(c.work, SITE);
    const writer = { host: hostname(), pid: process.pid, started: "1" };
    const t = token(HOST, process.pid, "1");
    writeFileSync(join(dir, `.site.yaml.bak-${t}-0123456789ab`), "old site\n");
    writeFileSync(join(dir, "site.yaml"), "new site, never committed\n");
    writeFileSync(
      join(dir, newJournal(t)),
      journal(writer, [
        {
          target: "site.yaml",
          temp: `.site.yaml.tmp-${t}-0123456789ab`,
          backup: `.site.yaml.bak-${t}-0123456789ab`,
        },
      ]),
    );
    const before = snapshot(c.work);
    const r = await runAsync(
      [
        "--format",
        "json",
        "cert",
        "approve",
        `${SITE}/${SITE}.request.zip`,
        "-c",
        "ca",
        "--profile",
        "project_profile.yaml",
      ],
      { cwd: c.work, home: c.home },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const changed = snapshotDiff(before, snapshot(c.work)).map((line) => line.split(" (")[0]);
    assert.deepEqual(
      changed.sort(),
      [
        "+ ca/ledger.head.json",
        "+ ca/ledger.jsonl",
        `+ ${SITE}/${SITE}.signed.zip`,
        `- ${SITE}/${newJournal(t)}`,
        `- ${SITE}/.site.yaml.bak-${t}-0123456789ab`,
        `~ ${SITE}/site.yaml`,
      ].sort(),
    );
    assert.equal(readFileSync(join(dir, "site.yaml"), "utf8"), "old site\n");
  });
});

describe("the CA folder's ledger commit markers", () => {
  const approveArgs = [
    "--format",
    "json",
    "cert",
    "approve",
    `${SITE}/${SITE}.request.zip`,
    "-c",
    "ca",
    "--profile",
    "project_profile.yaml",
    "--force",
  ];
  /** A marker in the shape commitApproval writes, claiming the ledger was empty before. */
  const marker = (c: Copy, t: string) =>
    JSON.stringify({
      zip_target: join(c.work, SITE, `${SITE}.signed.zip`),
      zip_temp: `.${SITE}.signed.zip.tmp-${t}-0123456789ab`,
      dev: 1,
      ino: 1,
      ledger_length: 0,
      head_before: null,
    });
  const plantCases: [string, (c: Copy) => void][] = [
    [
      "from another host",
      (c) =>
        writeFileSync(
          join(c.work, "ca", `.flare-txn-ledger-${token("elsewhere")}-0123456789ab.json`),
          marker(c, token("elsewhere")),
        ),
    ],
    [
      "whose temp is not the signed zip's own",
      (c) =>
        writeFileSync(
          join(c.work, "ca", `.flare-txn-ledger-${token()}-0123456789ab.json`),
          marker(c, token()).replace(`.${SITE}.signed.zip.tmp-`, ".victim.txt.tmp-"),
        ),
    ],
  ];
  plantCases.push([
    "in the pid-only shape of earlier versions",
    (c) =>
      writeFileSync(join(c.work, "ca", `.flare-txn-ledger-${deadPid}-0123456789ab.json`), marker(c, token())),
  ]);
  if (isRoot)
    plantCases.push([
      "owned by another uid",
      (c) => {
        const path = join(c.work, "ca", `.flare-txn-ledger-${token()}-0123456789ab.json`);
        writeFileSync(path, marker(c, token()));
        chownSync(path, OTHER_UID, OTHER_UID);
      },
    ]);
  for (const [label, plant] of plantCases) {
    test(`a planted marker ${label} never cuts the ledger back`, async () => {
      const c = copy();
      const first = await runAsync(approveArgs, { cwd: c.work, home: c.home });
      assert.equal(first.code, 0, first.stdout + first.stderr);
      plant(c);
      const second = await runAsync(approveArgs, { cwd: c.work, home: c.home });
      assert.equal(second.code, 0, second.stdout + second.stderr);
      const verify = await runAsync(["--format", "json", "cert", "ledger", "verify", "-c", "ca"], {
        cwd: c.work,
        home: c.home,
      });
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      const lines = readFileSync(join(c.work, "ca", "ledger.jsonl"), "utf8")
        .trim()
        .split("\n");
      assert.equal(lines.length, 2, "both approvals are in the ledger");
    });
  }
});
