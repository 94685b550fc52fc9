import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { basename, join } from "node:path";
import { after, describe, test } from "node:test";
import { makeTempDir } from "../../test/helpers/fixtures.ts";
import { FlareError } from "../core/errors/flare-error.ts";
import {
  checkWritableDir,
  commitFiles,
  makeDirs,
  parseTempName,
  recoverStale,
  removeDirs,
  tempSibling,
} from "./atomic-write.ts";
import { hostToken, thisWriter, writerToken } from "./writer-id.ts";

const { dir: root, cleanup } = makeTempDir("flare-atomic-");
after(cleanup);
let n = 0;
const fresh = () => {
  n += 1;
  const dir = join(root, `case-${n}`);
  mkdirSync(dir);
  return dir;
};
const bytes = (text: string) => new TextEncoder().encode(text);
const read = (path: string) => readFileSync(path, "utf8");
/** A pid that certainly belonged to a process that has exited. */
const deadPid = (() => spawnSync(process.execPath, ["-e", ""]).pid as number)();
/** The writer token and journal `writer` field of that dead process on this host. */
const dead = { host: hostname(), pid: deadPid, started: "12345" };
const deadToken = writerToken(dead);

describe("temp names", () => {
  test("a temp sibling is hidden, carries our host, pid and start time and parses back", () => {
    const temp = tempSibling("/x/y/site.yaml", "bak");
    const me = thisWriter();
    assert.match(
      basename(temp),
      new RegExp(`^\\.site\\.yaml\\.bak-${hostToken(me.host)}-${process.pid}-${me.started}-[0-9a-f]{12}$`),
    );
    assert.deepEqual(parseTempName(basename(temp)), {
      base: "site.yaml",
      tag: "bak",
      host: hostToken(me.host),
      pid: process.pid,
      started: me.started,
    });
  });
  test("a host with dots cannot be confused with the name", () => {
    assert.equal(hostToken("node-1.example.org"), "node-1_example_org");
    assert.deepEqual(parseTempName(".a.tmp-b.old-node-1-22-33-0123456789ab"), {
      base: "a.tmp-b",
      tag: "old",
      host: "node-1",
      pid: 22,
      started: "33",
    });
  });
  test("other names are not ours", () => {
    for (const name of [
      "site.yaml",
      ".site.yaml.tmp-12",
      ".x.tmp-1-XYZ",
      ".x.zip-1-0123456789ab",
      // The pid-only names of earlier versions.
      ".x.tmp-1-0123456789ab",
    ])
      assert.equal(parseTempName(name), undefined, name);
  });
});

describe("commitFiles", () => {
  test("creates a missing folder in one rename, with its mode and the files' modes", () => {
    const dir = join(fresh(), "new", "req");
    commitFiles(dir, [
      { name: "a.key", bytes: bytes("k"), mode: 0o600 },
      { name: "b.txt", bytes: bytes("b"), mode: 0o644 },
    ]);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, "a.key")).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, "b.txt")).mode & 0o777, 0o644);
    assert.deepEqual(readdirSync(join(dir, "..")), ["req"]);
  });

  test("replaces files in an existing folder and keeps --force backups in .bak/<ts>/", () => {
    const dir = fresh();
    writeFileSync(join(dir, "a.key"), "old key");
    writeFileSync(join(dir, "other"), "untouched");
    commitFiles(dir, [{ name: "a.key", bytes: bytes("new key"), mode: 0o600 }], {
      backup: { folder: ".bak/20260101T000000", names: ["a.key"] },
    });
    assert.equal(read(join(dir, "a.key")), "new key");
    assert.equal(read(join(dir, ".bak/20260101T000000/a.key")), "old key");
    assert.equal(statSync(join(dir, ".bak/20260101T000000")).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(dir).sort(), [".bak", "a.key", "other"]);
  });

  test("a taken exclusive name undoes everything already replaced and reports the caller's error", () => {
    const dir = fresh();
    writeFileSync(join(dir, "site.yaml"), "old site");
    writeFileSync(join(dir, "x.key"), "someone's key");
    const taken = new FlareError("KEY_ALREADY_EXISTS", { message: "taken" });
    assert.throws(
      () =>
        commitFiles(
          dir,
          [
            { name: "site.yaml", bytes: bytes("new site"), mode: 0o644 },
            { name: "x.key", bytes: bytes("new key"), mode: 0o600, exclusive: true },
          ],
          { existsError: () => taken },
        ),
      (error) => error === taken,
    );
    assert.equal(read(join(dir, "site.yaml")), "old site");
    assert.equal(read(join(dir, "x.key")), "someone's key");
    assert.deepEqual(readdirSync(dir).sort(), ["site.yaml", "x.key"]);
  });

  test("a failure midway puts back every file already replaced", () => {
    const dir = fresh();
    writeFileSync(join(dir, "rootCA.key"), "old");
    mkdirSync(join(dir, "ca.json", "sub"), { recursive: true });
    assert.throws(
      () =>
        commitFiles(dir, [
          { name: "rootCA.key", bytes: bytes("new"), mode: 0o600 },
          { name: "ca.json", bytes: bytes("{}"), mode: 0o600 },
        ]),
      (error) => error instanceof FlareError && error.code === "OUTPUT_DIR_NOT_WRITABLE",
    );
    assert.equal(read(join(dir, "rootCA.key")), "old");
    assert.deepEqual(readdirSync(dir).sort(), ["ca.json", "rootCA.key"]);
  });

  test("a failure while staging, before any rename, never deletes an existing file", () => {
    const dir = fresh();
    writeFileSync(join(dir, "rootCA.key"), "old");
    // The second temp cannot be created (its folder does not exist).
    assert.throws(
      () =>
        commitFiles(dir, [
          { name: "rootCA.key", bytes: bytes("new"), mode: 0o600 },
          { name: "missing/ca.json", bytes: bytes("{}"), mode: 0o600 },
        ]),
      (error) => error instanceof FlareError && error.code === "OUTPUT_DIR_NOT_WRITABLE",
    );
    assert.equal(read(join(dir, "rootCA.key")), "old");
    assert.deepEqual(readdirSync(dir), ["rootCA.key"]);
  });
});

describe("recoverStale", () => {
  test("rolls back the unfinished commit of a dead process", () => {
    const dir = fresh();
    const tag = `${deadToken}-0123456789ab`;
    // The dead writer had renamed the new a.txt into place and not yet b.txt; c.txt was new.
    writeFileSync(join(dir, "a.txt"), "new a");
    writeFileSync(join(dir, `.a.txt.bak-${tag}`), "old a");
    writeFileSync(join(dir, "b.txt"), "old b");
    writeFileSync(join(dir, `.b.txt.bak-${tag}`), "old b");
    writeFileSync(join(dir, `.b.txt.tmp-${tag}`), "new b");
    writeFileSync(join(dir, "c.txt"), "new c");
    mkdirSync(join(dir, ".bak", "ts"), { recursive: true });
    writeFileSync(join(dir, ".bak", "ts", "a.txt"), "old a");
    writeFileSync(
      join(dir, `.flare-txn-${tag}.json`),
      JSON.stringify({
        flare_txn: 1,
        writer: dead,
        entries: [
          { target: "a.txt", temp: `.a.txt.tmp-${tag}`, backup: `.a.txt.bak-${tag}` },
          { target: "b.txt", temp: `.b.txt.tmp-${tag}`, backup: `.b.txt.bak-${tag}` },
          { target: "c.txt", temp: `.c.txt.tmp-${tag}`, backup: null },
        ],
        links: [".bak/ts/a.txt"],
        dirs: [".bak", ".bak/ts"],
      }),
    );
    recoverStale(dir);
    assert.deepEqual(readdirSync(dir).sort(), ["a.txt", "b.txt"]);
    assert.equal(read(join(dir, "a.txt")), "old a");
    assert.equal(read(join(dir, "b.txt")), "old b");
  });

  test("trusts no name in a journal: entries outside the folder are ignored", () => {
    const dir = fresh();
    const victim = join(root, `victim-${n}`);
    writeFileSync(victim, "precious");
    const tag = `${deadToken}-0123456789ab`;
    const journal = `.flare-txn-${tag}.json`;
    writeFileSync(
      join(dir, journal),
      JSON.stringify({
        flare_txn: 1,
        writer: dead,
        entries: [{ target: `../${basename(victim)}`, temp: `.x.tmp-${tag}`, backup: null }],
        links: [".bak/../.."],
        dirs: [],
      }),
    );
    const warnings: string[] = [];
    recoverStale(dir, (w) => warnings.push(w));
    assert.equal(read(victim), "precious");
    assert.deepEqual(readdirSync(dir), [journal]);
    assert.deepEqual(warnings, [
      `Warning: left alone ${join(dir, journal)}: it is not a journal this program writes.`,
    ]);
  });

  test("puts back a folder moved aside when its replacement never arrived, drops it otherwise", () => {
    const dir = fresh();
    const tag = `${deadToken}-0123456789ab`;
    mkdirSync(join(dir, `.kit-a.old-${tag}`));
    writeFileSync(join(dir, `.kit-a.old-${tag}`, "f"), "old kit a");
    mkdirSync(join(dir, `.kit-a.tmp-${tag}`));
    mkdirSync(join(dir, "kit-b"));
    mkdirSync(join(dir, `.kit-b.old-${tag}`));
    recoverStale(dir);
    assert.deepEqual(readdirSync(dir).sort(), ["kit-a", "kit-b"]);
    assert.equal(read(join(dir, "kit-a", "f")), "old kit a");
  });

  test("leaves the temporaries of a live process and every other name alone", () => {
    const dir = fresh();
    const mine = basename(tempSibling(join(dir, "x")));
    for (const name of [
      mine,
      ".x.tmp-notours",
      "x",
      `.flare-txn-${writerToken()}-0123456789ab.json`,
      `.x.tmp-${deadPid}-0123456789ab`,
    ])
      writeFileSync(join(dir, name), "");
    recoverStale(dir);
    assert.equal(readdirSync(dir).length, 5);
  });
});

describe("locks left by killed commands", () => {
  test("recovery drops a lock of a dead writer of this host, and keeps live and foreign ones", () => {
    const dir = fresh();
    const lock = (writer: object) => `${JSON.stringify({ flare_lock: 1, writer })}\n`;
    writeFileSync(join(dir, ".a.flare-lock"), lock(dead));
    writeFileSync(join(dir, ".b.flare-lock"), lock(thisWriter()));
    writeFileSync(join(dir, ".c.flare-lock"), lock({ ...dead, host: "elsewhere" }));
    writeFileSync(join(dir, ".d.flare-lock"), lock({ ...dead, extra: 1 }));
    recoverStale(dir);
    assert.deepEqual(readdirSync(dir).sort(), [".b.flare-lock", ".c.flare-lock", ".d.flare-lock"]);
  });
});

describe("folders and writability", () => {
  test("makeDirs reports what it created and removeDirs takes exactly that back", () => {
    const base = fresh();
    const created = makeDirs(join(base, "a", "b", "c"), 0o755);
    assert.deepEqual(created, [join(base, "a"), join(base, "a", "b"), join(base, "a", "b", "c")]);
    removeDirs(created);
    assert.equal(existsSync(join(base, "a")), false);
  });
  test("checkWritableDir names the folder when a file stands in the way", () => {
    const base = fresh();
    writeFileSync(join(base, "file"), "");
    assert.throws(
      () => checkWritableDir(join(base, "file", "sub")),
      (error) =>
        error instanceof FlareError &&
        error.code === "OUTPUT_DIR_NOT_WRITABLE" &&
        error.message ===
          `Cannot write to output directory ${join(base, "file", "sub")}. \u2014 a path component is not a directory (ENOTDIR)`,
    );
  });
});
