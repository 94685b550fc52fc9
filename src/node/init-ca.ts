import { join, resolve } from "node:path";
import { utf8 } from "../core/bytes/encoding.ts";
import { createRootCa } from "../core/ca/create-root-ca.ts";
import { FlareError, invalidArgs } from "../core/errors/flare-error.ts";
import { parseJsonObject, parseYamlMapping } from "../core/inputs/structured.ts";
import { readProfileName } from "../core/profile/parse-profile.ts";
import { DEFAULT_PBKDF2_ITERATIONS, encryptPrivateKey } from "../core/x509/encrypted-key.ts";
import { checkWritableDir, commitFiles, recoverStale } from "./atomic-write.ts";
import type { NodeEnv } from "./node-env.ts";
import type { PassphraseSource } from "./passphrase.ts";
import { worldWritableKeyDirWarning } from "./permission-warnings.ts";
import { isDirectory, pathKind, tryReadFile } from "./read-input.ts";

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
  /**
   * Write `rootCA.key` as an encrypted PKCS#8 PEM under the passphrase this yields
   * (docs/security.md "Passphrase-protected root key"); default: unencrypted PKCS#1.
   */
  encryptKey?: PassphraseSource | undefined;
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
  /** With `encryptKey`: how rootCA.key is encrypted. */
  keyEncryption?: string;
}

/** What `cert init --encrypt-key` and `cert key encrypt` write. */
export const KEY_ENCRYPTION = `PKCS#8 PBES2, PBKDF2-HMAC-SHA256 ${DEFAULT_PBKDF2_ITERATIONS} iterations, AES-256-CBC`;

const CA_FILES = ["rootCA.pem", "rootCA.key", "ca.json"] as const;

/**
 * Creates the project root CA in `outputDir` (validation.md §4.1). Library API of `cert init`.
 * The key, certificate and ca.json are computed first and written as one journaled unit; with
 * `force` the previous files move to `.bak/<local ts>/`. A failure or a kill at any point leaves
 * the CA folder as it was (the next run rolls back what a kill interrupted).
 */
export async function initCa(options: InitCaOptions, env: NodeEnv): Promise<InitCaResult> {
  const deployVersion = options.deployVersion ?? "00";
  const profilePath = resolve(env.cwd, options.profile);
  const read = tryReadFile(profilePath);
  if (!read.ok) {
    // validation.md §4.1 row 3 (a folder or FIFO is "not found" too, as os.path.isfile says).
    if (read.reason === "missing") throw invalidArgs(`project profile file not found: ${options.profile}`);
    if (read.reason === "not-a-file")
      throw invalidArgs(`project profile file not found: ${options.profile} (not a regular file)`);
    throw invalidArgs(`failed to parse yaml ${options.profile}: ${read.detail}`);
  }
  const project = readProfileName(parseYamlMapping(read.bytes, options.profile), options.profile);

  const caDir = resolve(env.cwd, options.outputDir);
  // validation.md §4.1 row 7, checked before the (slow) key generation: a file in the way.
  if (pathKind(caDir) !== "missing" && !isDirectory(caDir)) {
    throw new FlareError("OUTPUT_DIR_NOT_WRITABLE", {
      message: `Cannot write to output directory ${caDir}.`,
      detail: "the path exists and is not a directory",
    });
  }
  checkWritableDir(caDir);
  // Undo what a killed earlier run may have left half done (docs/security.md).
  recoverStale(caDir, env.note);
  // No mkdir here: commitFiles assembles a missing CA dir beside it and renames it into place.
  // Safer than the reference, which overwrites a stray rootCA.pem/ca.json when rootCA.key is gone.
  const present = CA_FILES.filter((name) => pathKind(join(caDir, name)) !== "missing");
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
        // validation.md §4.1 row 9: the reference's hint, verbatim (errors/expected).
        hint: `Deploy version ${deployVersion} maps to prod_${deployVersion}. Use a new --deploy-version value when intentionally creating a new deployment CA, or use a fresh CA directory.`,
      });
    }
  }

  // Asked before the key exists, so a missing or mistyped passphrase costs nothing.
  const passphrase = options.encryptKey
    ? await options.encryptKey({
        what: `the new root CA key ${join(options.outputDir, "rootCA.key")}`,
        isNew: true,
      })
    : undefined;
  const ca = await createRootCa(
    { project, org: options.org, validDays: options.validDays ?? 3650, deployVersion, profilePath },
    env.deps,
  );

  const keyPem =
    passphrase === undefined ? ca.keyPem : await encryptPrivateKey(ca.keyPkcs8Der, passphrase, env.deps);
  const keyDirWarning = worldWritableKeyDirWarning(caDir, "rootCA.key");
  // validation.md §4.1 rows 10-12 as one unit: the old files are linked into .bak/<ts>/ and
  // replaced in one journaled commit, so a failure or a kill leaves the old CA in place.
  commitFiles(
    caDir,
    [
      { name: "rootCA.key", bytes: utf8(keyPem), mode: 0o600, exclusive: !present.includes("rootCA.key") },
      { name: "rootCA.pem", bytes: utf8(ca.certPem), mode: 0o644 },
      { name: "ca.json", bytes: utf8(ca.caJson), mode: 0o600 },
    ],
    {
      backup: { folder: join(".bak", localCompactTimestamp(env.deps.now())), names: present },
      existsError: () =>
        new FlareError("CA_ALREADY_EXISTS", { message: `Root CA already exists at ${caDir}.` }),
    },
  );
  if (keyDirWarning) env.note(keyDirWarning);
  return {
    caCert: join(caDir, "rootCA.pem"),
    project,
    provisionVersion: deployVersion,
    fingerprint: ca.fingerprint,
    subjectCn: project,
    validUntil: ca.validUntil,
    projectProfile: profilePath,
    ...(passphrase === undefined ? {} : { keyEncryption: KEY_ENCRYPTION }),
  };
}

/** `yyyymmddTHHMMSS` in local time: the reference names cert init's backup folder so (artifacts.md §13). */
function localCompactTimestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}T${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}
