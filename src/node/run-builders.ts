import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { FlareError } from "../core/errors/flare-error.ts";
import type { KitPlan } from "../core/kit/build-kit.ts";
import {
  adoptBuilderOutput,
  driverSpec,
  type StagedFile,
  type StagedOutput,
} from "../core/kit/external-builders.ts";
import type { KitFile, KitInput, KitTree } from "../core/kit/types.ts";
import { discard, makeDirs, recoverStale, removeDirs, tempSibling, writeNewFile } from "./atomic-write.ts";
import { notWritable } from "./fs-errors.ts";
import { type BuildersPython, lastJsonLine } from "./python-for-builders.ts";
import { MAX_INPUT_BYTES, tryReadFile } from "./read-input.ts";

/** Where the builders run and what must not change while they do. */
export interface RunBuildersOptions {
  python: BuildersPython;
  /** `<workspace>/<project>`: the private staging folder is made inside it (same file system). */
  projectDir: string;
  /**
   * Folders outside the staging folder that must be left as they are, with how deep to look
   * (the project folder and request folder whole, the workspace's top level).
   */
  watched: { dir: string; depth: number }[];
  vars: Record<string, string | undefined>;
  /** Builder warnings and a failing builder's traceback, for stderr. */
  textWarning: (line: string) => void;
}

/** Everything a run may read back from the staging folder (larger output is refused). */
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;
const DRIVER_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * Runs the builders only NVFlare's Python can run (plan.external) over the planned kit: the kit
 * and the planned prod-root files are written into a private staging folder (0700, laid out as
 * NVFlare's `wip/`), python/flare_provision_builders.py runs the builders there, then what they
 * left is read back and checked (nothing changed outside the staging folder, no links or special
 * files, trust material and endpoint unchanged: {@link adoptBuilderOutput}). The staging folder
 * is always removed; the caller writes the returned kit like any other, so a failure at any
 * point leaves the workspace as it was.
 *
 * @throws FlareError `LOCAL_SITE_INVALID` for a class NVFlare cannot load or construct (the
 *   reference's code and message), `BUILD_FAILED` for a builder that raises, `BUILDER_OUTPUT_REFUSED`.
 */
export function runExternalBuilders(
  input: KitInput,
  plan: KitPlan,
  options: RunBuildersOptions,
): { tree: KitTree; prodFiles: Map<string, KitFile>; warnings: string[] } {
  // A staging folder left by a killed run goes first (its name is one of our temp names).
  recoverStale(options.projectDir);
  const created = makeDirs(options.projectDir, 0o755);
  const staging = tempSibling(join(options.projectDir, "wip"));
  try {
    mkdirSync(staging, { mode: 0o700 });
    const wip = join(staging, "wip");
    writeStaging(wip, input, plan);
    const before = options.watched.map((w) => ({ ...w, entries: snapshot(w.dir, staging, w.depth) }));
    const spec = { staging, ...driverSpec(input, plan) };
    const run = spawnSync(options.python.python, ["-B", options.python.driver, "-"], {
      cwd: staging,
      input: JSON.stringify(spec),
      env: { ...options.vars, PYTHONDONTWRITEBYTECODE: "1" },
      encoding: "utf8",
      timeout: DRIVER_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
    checkOutside(before, staging);
    const result = lastJsonLine(run.stdout);
    // The driver's own verdict is its last line and its exit status; anything else (a builder
    // that printed a line and then ended the process) is a failure.
    if (!result || (result.status === "ok" && run.status !== 0)) {
      const tail = (run.stderr ?? "").trim().split("\n").slice(-3).join(" ");
      throw new FlareError("BUILD_FAILED", {
        detail: `the builder driver ${run.error ? `failed: ${run.error.message}` : `exited with status ${run.status ?? run.signal}`}${tail ? `: ${tail}` : ""}`,
      });
    }
    const message = String(result.message ?? "");
    if (result.status === "load_failed") {
      throw new FlareError("LOCAL_SITE_INVALID", {
        message: `Invalid local participant definition: ${message}`,
      });
    }
    if (result.status === "build_failed") {
      if (typeof result.traceback === "string") {
        for (const line of result.traceback.trimEnd().split("\n")) options.textWarning(line);
      }
      throw new FlareError("BUILD_FAILED", {
        detail: result.builder ? `${String(result.builder)}: ${message}` : message,
      });
    }
    if (result.status !== "ok") {
      throw new FlareError("BUILDER_PYTHON_NOT_FOUND", {
        message: `${plan.external.map((b) => b.path).join(", ")} need NVFlare's Python, and it failed.`,
        detail: message,
      });
    }
    const staged = readStaging(
      wip,
      input.name,
      input.certType === "server" ? undefined : input.signed.server.host,
    );
    const adopted = adoptBuilderOutput(plan, staged);
    const warnings = Array.isArray(result.warnings) ? result.warnings.map(String) : [];
    return { ...adopted, warnings };
  } catch (error) {
    if (error instanceof FlareError) throw error;
    throw notWritable(options.projectDir, error);
  } finally {
    discard(staging);
    removeDirs(created);
  }
}

/** The kit at `wip/<name>/`, the prod-root files at `wip/`, the placeholder server's empty folders. */
function writeStaging(wip: string, input: KitInput, plan: KitPlan): void {
  const kit = join(wip, input.name);
  for (const dir of plan.tree.dirs) mkdirSync(join(kit, dir), { recursive: true, mode: 0o755 });
  const write = (root: string, files: Map<string, KitFile>) => {
    for (const [path, file] of files) {
      mkdirSync(dirname(join(root, path)), { recursive: true, mode: 0o755 });
      writeNewFile(join(root, path), file.bytes, file.mode);
    }
  };
  write(kit, plan.tree.files);
  write(wip, plan.prodFiles);
  if (input.certType !== "server" && input.signed.server.host !== input.name) {
    // NVFlare's builders also write into the placeholder server's folders; dropped afterwards.
    for (const dir of ["startup", "local", "transfer"]) {
      mkdirSync(join(wip, input.signed.server.host, dir), { recursive: true, mode: 0o755 });
    }
  }
}

/** Reads what the builders left; refuses links and special files anywhere under `wip/`. */
function readStaging(wip: string, name: string, placeholder: string | undefined): StagedOutput {
  const kit = { files: new Map<string, StagedFile>(), dirs: [] as string[] };
  const prodFiles = new Map<string, StagedFile>();
  let total = 0;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      const rel = relative(wip, path).split("\\").join("/");
      const st = lstatSync(path);
      if (st.isSymbolicLink()) refuse(`${rel} is a symbolic link`);
      if (st.isDirectory()) {
        if (rel.startsWith(`${name}/`)) kit.dirs.push(rel.slice(name.length + 1));
        visit(path);
        continue;
      }
      if (!st.isFile()) refuse(`${rel} is not a regular file`);
      const top = rel.split("/")[0];
      if (top === placeholder && placeholder !== undefined) continue;
      total += st.size;
      if (total > MAX_OUTPUT_BYTES) refuse(`the builders wrote more than ${MAX_OUTPUT_BYTES >> 20} MiB`);
      const read = tryReadFile(path, MAX_INPUT_BYTES);
      if (!read.ok) refuse(`${rel}: ${read.detail}`);
      const file = { bytes: read.bytes, mode: st.mode & 0o777 };
      if (top === name) {
        if (rel === name) refuse(`${name} is a file, not the kit folder`);
        kit.files.set(rel.slice(name.length + 1), file);
      } else {
        prodFiles.set(rel, file);
      }
    }
  };
  visit(wip);
  return { kit, prodFiles };
}

function refuse(detail: string): never {
  throw new FlareError("BUILDER_OUTPUT_REFUSED", { detail });
}

/**
 * Every entry under `dir` down to `depth` levels (not `skip`) as path -> mode, size, mtime,
 * inode: what a write changes.
 */
function snapshot(dir: string, skip: string, depth: number): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (path: string, level: number) => {
    if (path === skip) return;
    let st: import("node:fs").Stats;
    try {
      st = lstatSync(path, { bigint: false });
    } catch {
      return;
    }
    out.set(path, `${st.mode}:${st.size}:${st.mtimeMs}:${st.ino}`);
    if (st.isDirectory() && level < depth) {
      let names: string[] = [];
      try {
        names = readdirSync(path);
      } catch {
        return;
      }
      for (const name of names) visit(join(path, name), level + 1);
    }
  };
  visit(dir, 0);
  return out;
}

/**
 * Refuses the run if anything changed in the watched folders, after taking back the entries
 * that appeared there (they did not exist before; what was modified cannot be restored and is named).
 */
function checkOutside(
  before: { dir: string; depth: number; entries: Map<string, string> }[],
  staging: string,
): void {
  const changed: string[] = [];
  const added: string[] = [];
  for (const { dir, depth, entries: old } of before) {
    const now = snapshot(dir, staging, depth);
    for (const [path, state] of now) {
      if (!old.has(path)) added.push(path);
      else if (old.get(path) !== state && !lstatSync(path).isDirectory()) changed.push(path);
    }
    for (const path of old.keys()) if (!now.has(path)) changed.push(path);
  }
  if (added.length === 0 && changed.length === 0) return;
  // Outermost first: removing a new folder removes what is inside it.
  for (const path of added.sort((a, b) => a.length - b.length)) discard(path);
  const named = [...added, ...changed].slice(0, 5).join(", ");
  refuse(
    `a builder wrote outside its staging folder: ${named}${added.length + changed.length > 5 ? ", ..." : ""}`,
  );
}
