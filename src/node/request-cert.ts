import { join, resolve } from "node:path";
import { fromUtf8, utf8 } from "../core/bytes/encoding.ts";
import { sha256Hex } from "../core/bytes/hash.ts";
import { compactTimestamp } from "../core/bytes/time.ts";
import { FlareError, invalidArgs } from "../core/errors/flare-error.ts";
import { parseYamlMapping } from "../core/inputs/structured.ts";
import { parseParticipantDefinition } from "../core/participant/parse-participant.ts";
import { buildRequest } from "../core/request/build-request.ts";
import { REQUEST_CODE_FILE, requestCodeFile } from "../core/request/request-code.ts";
import { rsaKeyPolicyProblem } from "../core/x509/key-policy.ts";
import { importRsaPublicKey, parsePrivateKeyPem, type RsaKeyPair } from "../core/x509/keys.ts";
import { checkWritableDir, commitFiles, recoverStale } from "./atomic-write.ts";
import { recoverAuditDirs, requestAuditPath, writeAuditRecord } from "./audit.ts";
import type { NodeEnv } from "./node-env.ts";
import { worldWritableKeyDirWarning } from "./permission-warnings.ts";
import { isDirectory, pathKind, tryReadFile } from "./read-input.ts";

/** Options of {@link requestCert}. */
export interface RequestCertOptions {
  /** Participant definition file. */
  participant: string;
  /** Request folder; default `./<name>`. */
  out?: string | undefined;
  force?: boolean;
  /**
   * Renewal keeping the key (docs/security.md "Renewal"): a new CSR, request id and zip for the
   * `<name>.key` already in the folder, which is left untouched. Implies `force` for the rest.
   */
  reuseKey?: boolean;
}

/** What `cert request` reports (cli.md §3). */
export interface RequestCertResult {
  name: string;
  project: string;
  requestDir: string;
  requestZip: string;
  requestId: string;
  /** The request code to read to the Project Admin (docs/security.md "Request codes"). */
  requestCode: string;
  /** The file in the request folder that keeps the code. */
  requestCodeFile: string;
  audit: string;
}

/**
 * The key of an earlier request, for `--reuse-key`: `KEY_NOT_FOUND` when there is none,
 * `KEY_INVALID` when it is not an RSA key the key-strength policy accepts.
 */
async function existingKeyPair(keyPath: string, env: NodeEnv): Promise<RsaKeyPair> {
  const read = tryReadFile(keyPath);
  if (!read.ok) {
    throw new FlareError("KEY_NOT_FOUND", {
      message: `Private key file not found: ${keyPath}.`,
      hint: "--reuse-key renews with the key of an earlier 'nvflare cert request' in this folder; without it a new key is made.",
    });
  }
  try {
    const key = await parsePrivateKeyPem(read.bytes, env.deps);
    const weak = rsaKeyPolicyProblem(key.spkiDer);
    if (weak) throw new Error(weak);
    return {
      ...key,
      privateKeyPem: fromUtf8(read.bytes),
      publicKey: await importRsaPublicKey(key.spkiDer, env.deps),
    };
  } catch (error) {
    throw new FlareError("KEY_INVALID", {
      message: `Failed to load private key '${keyPath}': ${error instanceof Error ? error.message : String(error)}.`,
    });
  }
}

/**
 * Creates the request folder for one participant (validation.md §4.2): validates the
 * definition, generates key + CSR, writes key (0600, exclusive), CSR, site.yaml, request.json
 * and the request zip as one unit, then the audit record. Library API of `cert request`.
 */
export async function requestCert(options: RequestCertOptions, env: NodeEnv): Promise<RequestCertResult> {
  const sourcePath = resolve(env.cwd, options.participant);
  const read = tryReadFile(sourcePath);
  if (!read.ok) throw invalidArgs(`failed to parse yaml ${options.participant}: ${read.detail}`);
  const definition = parseParticipantDefinition(
    parseYamlMapping(read.bytes, options.participant),
    options.participant,
  );
  const name = definition.participant.name;

  const dir = resolve(env.cwd, options.out ?? name);
  // validation.md §4.2 row 14 (a symlink to a folder is a folder, as os.path.isdir says).
  if (pathKind(dir) !== "missing" && !isDirectory(dir))
    throw invalidArgs(`--out must be a directory path: ${dir}`);
  // Undo what a killed earlier run may have left half done before looking at what exists.
  recoverStale(dir, env.note);
  recoverAuditDirs(env.home, env.note);
  const zipPath = join(dir, `${name}.request.zip`);
  const keyPath = join(dir, `${name}.key`);
  const csrPath = join(dir, `${name}.csr`);
  const force = options.force === true || options.reuseKey === true;
  if (!force && pathKind(zipPath) !== "missing") {
    throw new FlareError("CERT_ALREADY_EXISTS", {
      message: `Request zip already exists at ${zipPath}.`,
      hint: "Use --force to create a new request (new key and request id), or choose a different --out.",
    });
  }
  // validation.md §4.2 row 16 comes before the key check of row 17.
  checkWritableDir(dir);
  if (!force && pathKind(keyPath) !== "missing") {
    throw new FlareError("KEY_ALREADY_EXISTS", { message: `Private key already exists at ${keyPath}.` });
  }

  const bundle = await buildRequest(
    definition,
    env.deps,
    options.reuseKey ? await existingKeyPair(keyPath, env) : undefined,
  );

  // validation.md §4.2 rows 16-19 as one journaled unit: with --force the old key and CSR are
  // linked into .bak/<UTC ts>/ and replaced together with the rest, so a failure or a kill
  // leaves the old request folder intact (artifacts.md §3).
  const keyDirWarning = worldWritableKeyDirWarning(dir, `${name}.key`);
  const replaced = force
    ? [...(options.reuseKey ? [] : [`${name}.key`]), `${name}.csr`, REQUEST_CODE_FILE].filter(
        (file) => pathKind(join(dir, file)) !== "missing",
      )
    : [];
  // With --reuse-key the key file is neither rewritten nor backed up: it stays as it is.
  const keyFile = options.reuseKey
    ? []
    : [
        {
          name: `${name}.key`,
          bytes: utf8(bundle.keyPem),
          mode: 0o600,
          exclusive: !replaced.includes(`${name}.key`),
        },
      ];
  commitFiles(
    dir,
    [
      ...keyFile,
      { name: `${name}.csr`, bytes: utf8(bundle.csrPem), mode: 0o644 },
      { name: "site.yaml", bytes: utf8(bundle.localSiteYaml), mode: 0o644 },
      { name: "request.json", bytes: utf8(bundle.requestJson), mode: 0o600 },
      // Not secret: the requester reads it out to the Project Admin.
      { name: REQUEST_CODE_FILE, bytes: requestCodeFile(bundle.requestCode), mode: 0o644 },
      // Last: the zip's presence marks a complete request folder.
      { name: `${name}.request.zip`, bytes: bundle.requestZip, mode: 0o600 },
    ],
    {
      backup: { folder: join(".bak", compactTimestamp(env.deps.now())), names: replaced },
      existsError: (path) =>
        new FlareError("KEY_ALREADY_EXISTS", { message: `Private key already exists at ${path}.` }),
    },
  );

  if (keyDirWarning) env.note(keyDirWarning);
  const deps = env.deps;
  const audit = writeAuditRecord(
    requestAuditPath(env.home, bundle.requestId),
    {
      schema_version: "1",
      request: bundle.request,
      request_code: bundle.requestCode,
      request_dir: dir,
      request_zip_path: zipPath,
      private_key_path: keyPath,
      csr_path: csrPath,
      site_yaml_path: join(dir, "site.yaml"),
      hashes: {
        request_json_sha256: await sha256Hex(deps, bundle.requestJson),
        site_yaml_sha256: await sha256Hex(deps, bundle.sanitizedSiteYaml),
        local_site_yaml_sha256: await sha256Hex(deps, bundle.localSiteYaml),
        csr_sha256: await sha256Hex(deps, bundle.csrPem),
        request_zip_sha256: await sha256Hex(deps, bundle.requestZip),
        public_key_sha256: bundle.publicKeySha256,
      },
    },
    "request",
    env,
  );
  return {
    name,
    project: bundle.project,
    requestDir: dir,
    requestZip: zipPath,
    requestId: bundle.requestId,
    requestCode: bundle.requestCode,
    requestCodeFile: join(dir, REQUEST_CODE_FILE),
    audit,
  };
}
