import assert from "node:assert/strict";
import {
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { readZip } from "../../src/core/zip/read-zip.ts";
import {
  type AsyncRun,
  cleanupAll,
  newWorld,
  runAsync,
  SITE,
  snapshot,
  type World,
} from "./helpers/harness.ts";

// Private keys (artifacts.md §13, README "Trust boundary"): created 0600 at open time whatever
// the umask, never overwritten without --force, and never printed, logged, zipped, put in an
// audit record or a JSON envelope.

const KIT = `workspace/hospital_federation/prod_00/${SITE}`;

/** Runs the four commands of the workflow for hospital-a, in order; every one must succeed. */
async function runFlow(world: World, options: { umask?: string; format?: "json" } = {}): Promise<AsyncRun[]> {
  const fingerprint = () =>
    JSON.parse(readFileSync(join(world.work, "ca", "ca.json"), "utf8")).rootCA_fingerprint;
  const steps: (() => string[])[] = [
    () => ["cert", "init", "--profile", "project_profile.yaml", "-o", "ca"],
    () => ["cert", "request", "-p", "hospital-a.yaml"],
    () => ["cert", "approve", `${SITE}/${SITE}.request.zip`, "-c", "ca", "--profile", "project_profile.yaml"],
    () => ["package", `${SITE}/${SITE}.signed.zip`, "--fingerprint", fingerprint()],
  ];
  const runs: AsyncRun[] = [];
  for (const step of steps) {
    const run = await runAsync([...(options.format ? ["--format", options.format] : []), ...step()], {
      cwd: world.work,
      home: world.home,
      ...(options.umask ? { umask: options.umask } : {}),
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    runs.push(run);
  }
  return runs;
}

const modeOf = (path: string) => lstatSync(path).mode & 0o777;

describe("modes whatever the umask", { concurrency: 2 }, () => {
  for (const umask of ["000", "077"]) {
    test(`under umask ${umask} every key is 0600 and nothing is writable by others`, async () => {
      const world = newWorld(`flare-umask-${umask}-`);
      try {
        await runFlow(world, { umask });
        const requestId = JSON.parse(readFileSync(join(world.work, SITE, "request.json"), "utf8")).request_id;
        const expected: Record<string, number> = {
          "work/ca": 0o700,
          "work/ca/rootCA.key": 0o600,
          "work/ca/ca.json": 0o600,
          [`work/${SITE}`]: 0o700,
          [`work/${SITE}/${SITE}.key`]: 0o600,
          [`work/${SITE}/request.json`]: 0o600,
          [`work/${SITE}/${SITE}.request.zip`]: 0o600,
          [`work/${SITE}/${SITE}.signed.zip`]: 0o600,
          [`work/${KIT}/startup/client.key`]: 0o600,
          [`home/.nvflare/cert_requests/${requestId}`]: 0o700,
          [`home/.nvflare/cert_requests/${requestId}/audit.json`]: 0o600,
          "home/.nvflare/cert_approves": 0o700,
          [`home/.nvflare/cert_approves/${requestId}.json`]: 0o600,
        };
        for (const [path, mode] of Object.entries(expected))
          assert.equal(modeOf(join(world.root, path)).toString(8), mode.toString(8), path);
        // A key is 0600 even under umask 000, and no file or folder we made is group/world-writable.
        for (const [path, entry] of snapshot(world.root)) {
          if (!/^(work\/(ca|hospital-a|workspace)|home\/\.nvflare)/.test(path)) continue;
          const mode = Number.parseInt(entry.split(" ")[1] as string, 8);
          assert.equal(mode & 0o022, 0, `${path} is ${mode.toString(8)}`);
          if (path.endsWith(".key")) assert.equal(mode, 0o600, path);
        }
      } finally {
        world.cleanup();
      }
    });
  }
});

describe("keys are never overwritten without --force", () => {
  let world: World;
  before(async () => {
    world = newWorld("flare-keys-");
    await runFlow(world);
  });
  after(() => world.cleanup());
  const cli = (...args: string[]) =>
    runAsync(["--format", "json", ...args], { cwd: world.work, home: world.home });
  const bytes = (path: string) => readFileSync(join(world.work, path));

  test("cert init keeps the root key", async () => {
    const key = bytes("ca/rootCA.key");
    const run = await cli("cert", "init", "--profile", "project_profile.yaml", "-o", "ca");
    assert.equal(run.json?.error_code, "CA_ALREADY_EXISTS");
    assert.deepEqual(bytes("ca/rootCA.key"), key);
  });
  test("cert request keeps the participant key, with or without its request zip", async () => {
    const key = bytes(`${SITE}/${SITE}.key`);
    assert.equal(
      (await cli("cert", "request", "-p", "hospital-a.yaml")).json?.error_code,
      "CERT_ALREADY_EXISTS",
    );
    const zip = bytes(`${SITE}/${SITE}.request.zip`);
    rmSync(join(world.work, SITE, `${SITE}.request.zip`));
    assert.equal(
      (await cli("cert", "request", "-p", "hospital-a.yaml")).json?.error_code,
      "KEY_ALREADY_EXISTS",
    );
    assert.deepEqual(bytes(`${SITE}/${SITE}.key`), key);
    writeFileSync(join(world.work, SITE, `${SITE}.request.zip`), zip, { mode: 0o600 });
  });
  test("package keeps the kit key", async () => {
    const key = bytes(`${KIT}/startup/client.key`);
    const run = await cli("package", `${SITE}/${SITE}.signed.zip`, "--request-dir", SITE);
    assert.equal(run.json?.error_code, "OUTPUT_DIR_EXISTS");
    assert.deepEqual(bytes(`${KIT}/startup/client.key`), key);
  });
  test("a symlink planted where the key goes is never followed, with or without --force", async () => {
    const victim = join(world.root, "victim.txt");
    writeFileSync(victim, "precious\n");
    const dir = join(world.work, "planted");
    const run1 = await cli("cert", "request", "-p", "hospital-b.yaml", "--out", "planted");
    assert.equal(run1.code, 0, run1.stdout);
    rmSync(join(dir, "hospital-b.key"));
    rmSync(join(dir, "hospital-b.request.zip"));
    symlinkSync(victim, join(dir, "hospital-b.key"));
    assert.equal(
      (await cli("cert", "request", "-p", "hospital-b.yaml", "--out", "planted")).json?.error_code,
      "KEY_ALREADY_EXISTS",
    );
    const run2 = await cli("cert", "request", "-p", "hospital-b.yaml", "--out", "planted", "--force");
    assert.equal(run2.code, 0, run2.stdout);
    assert.equal(readFileSync(victim, "utf8"), "precious\n");
    assert.ok(lstatSync(join(dir, "hospital-b.key")).isFile());
    assert.equal(modeOf(join(dir, "hospital-b.key")), 0o600);
    // The planted link itself went to .bak/ like any old key; it still points at the victim.
    const [bak] = readdirSync(join(dir, ".bak"));
    assert.equal(readlinkSync(join(dir, ".bak", bak as string, "hospital-b.key")), victim);
  });
  test("--force moves the old key to .bak/<ts>/ (0700) byte for byte", async () => {
    const key = bytes(`${SITE}/${SITE}.key`);
    const run = await cli("cert", "request", "-p", "hospital-a.yaml", "--force");
    assert.equal(run.code, 0, run.stdout);
    assert.notDeepEqual(bytes(`${SITE}/${SITE}.key`), key);
    const folders = readdirSync(join(world.work, SITE, ".bak"));
    assert.equal(folders.length, 1);
    assert.match(folders[0] as string, /^\d{8}T\d{6}$/);
    assert.equal(modeOf(join(world.work, SITE, ".bak", folders[0] as string)), 0o700);
    assert.deepEqual(bytes(`${SITE}/.bak/${folders[0]}/${SITE}.key`), key);
  });
});

describe("key material never leaves the key files", () => {
  test("no output, zip member, audit record or other written file of a full run holds any of it", async () => {
    const textWorld = newWorld("flare-leak-");
    const jsonWorld = newWorld("flare-leak-");
    try {
      const runs = [...(await runFlow(textWorld)), ...(await runFlow(jsonWorld, { format: "json" }))];
      const places: [string, string][] = runs.flatMap((r, i) => [
        [`stdout of run ${i}`, r.stdout],
        [`stderr of run ${i}`, r.stderr],
      ]);
      const secrets: string[] = [];
      for (const world of [textWorld, jsonWorld]) {
        for (const [path] of snapshot(world.root)) {
          const full = join(world.root, path);
          if (!lstatSync(full).isFile()) continue;
          const data = readFileSync(full);
          if (path.endsWith(".key")) {
            // Every base64 line of every key, as it would appear if copied anywhere.
            secrets.push(
              ...data
                .toString("utf8")
                .split("\n")
                .filter((line) => /^[A-Za-z0-9+/=]{40,}$/.test(line)),
            );
            continue;
          }
          places.push([path, data.toString("latin1")]);
          if (path.endsWith(".zip"))
            for (const member of readZip(new Uint8Array(data)))
              places.push([`${path}!${member.name}`, new TextDecoder().decode(member.data)]);
        }
      }
      assert.ok(secrets.length > 60, `only ${secrets.length} key lines found`);
      for (const [where, text] of places) {
        assert.doesNotMatch(text, /PRIVATE KEY/, where);
        for (const secret of secrets) assert.ok(!text.includes(secret), `${where} holds key material`);
      }
    } finally {
      cleanupAll([textWorld.cleanup, jsonWorld.cleanup]);
    }
  });
});
