/**
 * Shared set-up of the security tests: a throwaway "world" (the hospital example, a CA, a
 * request, an approval, made in-process for speed), the built CLI run as a subprocess (with
 * optional fault injection or a SIGKILL after a delay), directory snapshots, leftover
 * detection, a seeded PRNG and re-signing of signed zips the way a rogue Project Admin would.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { utf8 } from "../../../src/core/bytes/encoding.ts";
import { type CoreDeps, platformDeps } from "../../../src/core/deps.ts";
import { dumpJson } from "../../../src/core/json/dump-json.ts";
import { parseJson } from "../../../src/core/json/parse-json.ts";
import { parsePrivateKeyPem } from "../../../src/core/x509/keys.ts";
import { signPss } from "../../../src/core/x509/pss.ts";
import { readZip } from "../../../src/core/zip/read-zip.ts";
import { writeZip } from "../../../src/core/zip/write-zip.ts";
import { approveCert } from "../../../src/node/approve-cert.ts";
import { initCa } from "../../../src/node/init-ca.ts";
import type { NodeEnv } from "../../../src/node/node-env.ts";
import { packageSignedZip } from "../../../src/node/package-kit.ts";
import { requestCert } from "../../../src/node/request-cert.ts";
import { CLI, type CliRun, TEMP_ENV } from "../../helpers/cli.ts";
import { makeTempDir, REPO_ROOT } from "../../helpers/fixtures.ts";

/** `--import` URL of the fs fault-injection preload (see fs-fault.mjs). */
export const FAULT_HOOK = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "fs-fault.mjs")).href;

/** `--import` URL of a preload that makes every SHA-256 digest throw a TypeError (a "bug"). */
export const BUG_HOOK = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "bug.mjs")).href;

/** The participant the worlds use: a client with a short, valid name. */
export const SITE = "hospital-a";

/** A throwaway working folder with the hospital example in `work/` and a HOME for audit records. */
export interface World {
  root: string;
  work: string;
  home: string;
  env: NodeEnv;
  cleanup: () => void;
}

/** Creates a world; nothing else is written until the caller runs commands in it. */
export function newWorld(prefix = "flare-sec-"): World {
  const { dir, cleanup } = makeTempDir(prefix);
  // The real path, so that request-folder discovery (no symlinks allowed) works under /tmp links.
  const root = realpathSync(dir);
  const work = join(root, "work");
  const home = join(root, "home");
  cpSync(join(REPO_ROOT, "examples", "hospital"), work, { recursive: true });
  mkdirSync(home);
  const env: NodeEnv = { cwd: work, home, deps: platformDeps(), note: () => {}, textWarning: () => {} };
  return { root, work, home, env, cleanup };
}

/** `cert init` in-process: `ca/` in the world (or `dir`). */
export async function initWorldCa(world: World, dir = "ca"): Promise<void> {
  await initCa({ profile: "project_profile.yaml", outputDir: dir }, world.env);
}

/** `cert request` in-process for hospital-a (or another example participant file). */
export async function requestWorld(world: World, file = "hospital-a.yaml", out?: string): Promise<void> {
  await requestCert({ participant: file, out }, world.env);
}

/** `cert approve` in-process of `<name>/<name>.request.zip` with `ca/` (or `caDir`). */
export async function approveWorld(world: World, name = SITE, caDir = "ca", out?: string): Promise<void> {
  await approveCert(
    { requestZip: `${name}/${name}.request.zip`, caDir, profile: "project_profile.yaml", out },
    world.env,
  );
}

/** `package` in-process of `<name>/<name>.signed.zip` into `workspace/`. */
export async function packageWorld(world: World, name = SITE): Promise<void> {
  await packageSignedZip({ input: `${name}/${name}.signed.zip` }, world.env);
}

/** A world with a CA, hospital-a's request folder and its signed zip (not yet packaged). */
export async function approvedWorld(prefix?: string): Promise<World> {
  const world = newWorld(prefix);
  try {
    await initWorldCa(world);
    await requestWorld(world);
    await approveWorld(world);
  } catch (error) {
    // The caller never gets the world, so it could not remove it.
    world.cleanup();
    throw error;
  }
  return world;
}

/** One world per stage of the flow, each the starting state of the next command. */
export interface StageWorlds {
  /** Nothing yet (before `cert init`). */
  fresh: World;
  /** A CA (before `cert request`). */
  withCa: World;
  /** A CA and hospital-a's request folder (before `cert approve`). */
  withRequest: World;
  /** ... and its signed zip (before `package`). */
  approved: World;
  /** ... and its kit (before `package --force`). */
  packaged: World;
}

/** Builds the five stage worlds in fresh folders named with `prefix`. */
export async function stageWorlds(prefix: string): Promise<StageWorlds> {
  // On a failure half-way the caller gets none of them: remove those made so far.
  const made: World[] = [];
  const world = () => {
    const w = newWorld(prefix);
    made.push(w);
    return w;
  };
  try {
    const fresh = world();
    const withCa = world();
    await initWorldCa(withCa);
    const withRequest = world();
    await initWorldCa(withRequest);
    await requestWorld(withRequest);
    const approved = world();
    await initWorldCa(approved);
    await requestWorld(approved);
    await approveWorld(approved);
    const packaged = world();
    await initWorldCa(packaged);
    await requestWorld(packaged);
    await approveWorld(packaged);
    await packageWorld(packaged);
    return { fresh, withCa, withRequest, approved, packaged };
  } catch (error) {
    cleanupAll(made.map((w) => w.cleanup));
    throw error;
  }
}

/** A copy of a prepared world in a fresh folder, so every run can start from the same state. */
export interface Copy {
  root: string;
  work: string;
  home: string;
  cleanup: () => void;
}

/** Copies `base` (work and home) to a fresh temp folder, modes and bytes included. */
export function cloneWorld(base: { root: string }, prefix = "flare-copy-"): Copy {
  const { dir, cleanup } = makeTempDir(prefix);
  const root = realpathSync(dir);
  cpSync(base.root, root, { recursive: true });
  return { root, work: join(root, "work"), home: join(root, "home"), cleanup };
}

/** A CLI run that may have been killed. */
export interface AsyncRun extends CliRun {
  signal: NodeJS.Signals | null;
}

/** Options of {@link runAsync}. */
export interface RunOptions {
  cwd: string;
  home: string;
  /** Extra environment (e.g. FLARE_FAULT_*). */
  env?: Record<string, string>;
  /** Preload modules (`--import`), e.g. {@link FAULT_HOOK}. */
  imports?: string[];
  /** SIGKILL the process this many milliseconds after spawning it. */
  killAfterMs?: number;
  /** Wrap the command in `sh -c "umask <u>; exec node ..."`. */
  umask?: string;
  /** SIGKILL after this long and fail the run as hung (default 60 s). */
  timeoutMs?: number;
}

/** Runs the built CLI asynchronously (so several can run at once), like test/helpers/cli.ts. */
export function runAsync(args: string[], options: RunOptions): Promise<AsyncRun> {
  const nodeArgs = [...(options.imports ?? []).flatMap((url) => ["--import", url]), CLI, ...args];
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: options.home,
    LANG: "C.UTF-8",
    ...TEMP_ENV,
    ...options.env,
  };
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const child =
    options.umask === undefined
      ? spawn(process.execPath, nodeArgs, { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] })
      : spawn(
          "sh",
          ["-c", `umask ${options.umask}; exec ${[process.execPath, ...nodeArgs].map(quote).join(" ")}`],
          { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] },
        );
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const killer =
    options.killAfterMs === undefined
      ? undefined
      : setTimeout(() => child.kill("SIGKILL"), options.killAfterMs);
  let hung = false;
  const watchdog = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, options.timeoutMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(watchdog);
      if (hung) {
        reject(new Error(`the CLI hung: ${args.join(" ")}\n${stdout}${stderr}`));
        return;
      }
      if (killer) clearTimeout(killer);
      const lines = stdout.split("\n").filter(Boolean);
      let json: Record<string, unknown> | undefined;
      if (lines.length === 1) {
        try {
          json = JSON.parse(lines[0] as string);
        } catch {
          json = undefined;
        }
      }
      resolve({ code: code ?? -1, signal, stdout, stderr, json });
    });
  });
}

/**
 * Maps `items` through `fn` with at most `limit` running at once, results in order. After the
 * first failure no new item starts, and the call settles only once the running ones have ended,
 * then rejects with that failure: nothing keeps running (or creating temp folders) after the
 * test that called it has ended and its cleanup has run.
 */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failure) throw failure.reason;
  return results;
}

/**
 * Runs every cleanup function even when some throw (a failed one must not leave the others'
 * folders behind), then throws the first error.
 */
export function cleanupAll(cleanups: readonly ((() => void) | undefined)[]): void {
  let first: unknown;
  for (const cleanup of cleanups) {
    try {
      cleanup?.();
    } catch (error) {
      first ??= error;
    }
  }
  if (first !== undefined) throw first;
}

/** A deterministic PRNG in [0, 1) (mulberry32), so "random" instants repeat run to run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Every entry under `root` (not following symlinks) as `path -> "type mode content"`, where
 * content is the SHA-256 of a file, the target of a symlink, or empty for a folder. Two equal
 * snapshots mean byte-for-byte the same tree, modes included.
 */
export function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const key = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(path);
      const mode = (stat.mode & 0o7777).toString(8);
      if (stat.isSymbolicLink()) out.set(key, `l ${mode} ${readlinkSync(path)}`);
      else if (stat.isDirectory()) {
        out.set(key, `d ${mode}`);
        walk(path, key);
      } else if (stat.isFile())
        out.set(key, `f ${mode} ${createHash("sha256").update(readFileSync(path)).digest("hex")}`);
      else out.set(key, `o ${mode}`);
    }
  };
  walk(root, "");
  return out;
}

/** Human-readable differences between two snapshots (empty when identical). */
export function snapshotDiff(before: Map<string, string>, after: Map<string, string>): string[] {
  const lines: string[] = [];
  for (const [key, value] of before) {
    if (!after.has(key)) lines.push(`- ${key} (${value})`);
    else if (after.get(key) !== value) lines.push(`~ ${key} (${value} -> ${after.get(key)})`);
  }
  for (const [key, value] of after) if (!before.has(key)) lines.push(`+ ${key} (${value})`);
  return lines;
}

/** Our temp names (`.<name>.<tag>-<host>-<pid>-<start>-<hex>`), journals and locks. */
export const LEFTOVER =
  /^\.(.+)\.(tmp|bak|old)-[A-Za-z0-9_-]+-\d+-\d+-[0-9a-f]{12}$|^\.flare-txn-[A-Za-z0-9_-]+-\d+-\d+-[0-9a-f]{12}\.json$|^\..+\.flare-lock$/s;

/** Paths under `root` whose names are temporaries, journals or locks of our writers. */
export function leftovers(root: string): string[] {
  return [...snapshot(root).keys()].filter((key) => LEFTOVER.test(key.split("/").pop() ?? ""));
}

/** Tree of text files for readable assertion messages. */
export function listing(map: Map<string, string>): string {
  return [...map].map(([k, v]) => `${k} ${v.slice(0, 12)}`).join("\n");
}

/** The members of a zip file, by name. */
export function zipMembers(path: string): Map<string, Uint8Array> {
  return new Map(readZip(new Uint8Array(readFileSync(path))).map((e) => [e.name, e.data]));
}

/**
 * Rewrites a signed zip the way someone holding a CA key could: `edit` changes the parsed
 * signed.json and/or the member list, signed.json is re-serialized and re-signed with
 * `caKeyPem`. Used to show that checks after the signature (identity, hashes, names) hold even
 * for validly signed input.
 */
export async function resignSignedZip(
  zipBytes: Uint8Array,
  caKeyPem: Uint8Array,
  edit: (signed: Record<string, unknown>, members: Map<string, Uint8Array>) => void,
  deps: CoreDeps = platformDeps(),
): Promise<Uint8Array> {
  const members = new Map(readZip(zipBytes).map((e) => [e.name, e.data]));
  const signed = parseJson(members.get("signed.json") as Uint8Array, "signed.json") as Record<
    string,
    unknown
  >;
  edit(signed, members);
  const signedBytes = utf8(dumpJson(signed, { indent: 2 }));
  const key = await parsePrivateKeyPem(caKeyPem, deps);
  members.set("signed.json", signedBytes);
  members.set("signed.json.sig", utf8(await signPss(signedBytes, key.pkcs8Der, deps)));
  return writeZip(
    [...members].map(([name, data]) => ({ name, data })),
    { date: new Date("2026-01-01T00:00:00Z") },
  );
}

/** Writes bytes to `path` (creating folders), returning `path`. */
export function put(path: string, bytes: Uint8Array | string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

/** True when the output has a stack-trace line (`    at fn (file:1:2)`). */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[:(]/m.test(text) || /\n\s+at /.test(text);
}

/** True when `text` holds a control character other than newline and tab (raw terminal codes). */
export function hasControlCharacters(text: string): boolean {
  return [...text].some((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && c !== "\n" && c !== "\t") || (code >= 0x7f && code <= 0x9f);
  });
}
