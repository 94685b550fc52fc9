import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join, resolve } from "node:path";
import { utf8 } from "../core/bytes/encoding.ts";
import { compactTimestamp } from "../core/bytes/time.ts";
import { createRootCa } from "../core/ca/create-root-ca.ts";
import { FlareError, invalidArgs } from "../core/errors/flare-error.ts";
import { parseJsonObject, parseYamlMapping } from "../core/inputs/structured.ts";
import { readProfileName } from "../core/profile/parse-profile.ts";
import { commitFiles } from "./atomic-write.ts";
import { errnoCode, notWritable } from "./fs-errors.ts";
import type { NodeEnv } from "./node-env.ts";
import { tryReadFile } from "./read-input.ts";

/** Options of {@link initCa}, as the CLI flags name them. */
export interface InitCaOptions {
  profile: string;
  outputDir: string;
  org?: string | undefined;
  /** Default 3650. */
  validDays?: number;
  /** Default `"00"`. */
  deployVersion?: string;
  force?: boolean;
}

/** What `cert init` reports (cli.md §3). */
export interface InitCaResult {
  caCert: string;
  project: string;
  provisionVersion: string;
  fingerprint: string;
  subjectCn: string;
  validUntil: string;
  projectProfile: string;
}

const CA_FILES = ["rootCA.pem", "rootCA.key", "ca.json"] as const;

/**
 * Creates the project root CA in `outputDir` (validation.md §4.1). Library API of `cert init`.
 * The key, certificate and ca.json are computed first and written as one unit; with `force`
 * the previous files move to `.bak/<ts>/` and come back if writing fails.
 */
export async function initCa(options: InitCaOptions, env: NodeEnv): Promise<InitCaResult> {
  const deployVersion = options.deployVersion ?? "00";
  const profilePath = resolve(env.cwd, options.profile);
  const read = tryReadFile(profilePath);
  if (!read.ok) {
    if (read.reason === "missing" || read.reason === "not-a-file")
      throw invalidArgs(`project profile file not found: ${options.profile}`);
    throw invalidArgs(`failed to parse yaml ${options.profile}: ${read.detail}`);
  }
  const project = readProfileName(parseYamlMapping(read.bytes, options.profile), options.profile);

  const caDir = resolve(env.cwd, options.outputDir);
  // No mkdir here: commitFiles assembles a missing CA dir beside it and renames it into place.
  // Safer than the reference, which overwrites a stray rootCA.pem/ca.json when rootCA.key is gone.
  const present = CA_FILES.filter((name) => existsSync(join(caDir, name)));
  if (present.length > 0 && !options.force) {
    throw new FlareError("CA_ALREADY_EXISTS", { message: `Root CA already exists at ${caDir}.` });
  }
  if (options.force && present.includes("ca.json")) {
    const caJsonPath = join(caDir, "ca.json");
    const caJson = tryReadFile(caJsonPath);
    if (!caJson.ok) throw invalidArgs(`failed to parse json ${caJsonPath}: ${caJson.detail}`);
    const existing = parseJsonObject(caJson.bytes, caJsonPath).provision_version;
    const existingVersion = typeof existing === "string" && existing !== "" ? existing : "00";
    if (existingVersion === deployVersion) {
      throw new FlareError("CA_VERSION_ALREADY_EXISTS", {
        message: `Deploy version '${deployVersion}' already exists in CA directory ${caDir}.`,
        hint: `Deploy version '${deployVersion}' maps to prod_${deployVersion}; use a new --deploy-version or a fresh output directory.`,
      });
    }
  }

  const ca = await createRootCa(
    { project, org: options.org, validDays: options.validDays ?? 3650, deployVersion, profilePath },
    env.deps,
  );

  const restore = present.length > 0 ? backUp(caDir, present, env.deps.now()) : () => {};
  try {
    commitFiles(caDir, [
      { name: "rootCA.key", bytes: utf8(ca.keyPem), mode: 0o600, exclusive: true },
      { name: "rootCA.pem", bytes: utf8(ca.certPem), mode: 0o644 },
      { name: "ca.json", bytes: utf8(ca.caJson), mode: 0o600 },
    ]);
  } catch (error) {
    restore();
    throw error;
  }
  return {
    caCert: join(caDir, "rootCA.pem"),
    project,
    provisionVersion: deployVersion,
    fingerprint: ca.fingerprint,
    subjectCn: project,
    validUntil: ca.validUntil,
    projectProfile: profilePath,
  };
}

/** Moves the named files into `.bak/<yyyymmddTHHMMSS>/` (0700); returns an undo. */
function backUp(dir: string, names: readonly string[], now: Date): () => void {
  const bak = join(dir, ".bak", compactTimestamp(now));
  const moved: string[] = [];
  try {
    mkdirSync(bak, { recursive: true, mode: 0o700 });
    for (const name of names) {
      renameSync(join(dir, name), join(bak, name));
      moved.push(name);
    }
  } catch (error) {
    for (const name of moved) renameSync(join(bak, name), join(dir, name));
    if (errnoCode(error)) throw notWritable(dir, error);
    throw error;
  }
  return () => {
    for (const name of moved) renameSync(join(bak, name), join(dir, name));
  };
}
