import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { utf8 } from "../core/bytes/encoding.ts";
import { PACKAGE_GUARD_MODULE } from "../core/crl/kit-layout.ts";
import { FlareError } from "../core/errors/flare-error.ts";
import { isMapping } from "../core/inputs/structured.ts";
import { dumpJson } from "../core/json/dump-json.ts";
import { parseJson } from "../core/json/parse-json.ts";
import { planKit } from "../core/kit/build-kit.ts";
import { resolveBuilders } from "../core/kit/builders.ts";
import type { KitInput } from "../core/kit/types.ts";
import { checkLocalRequest } from "../core/package/check-local-request.ts";
import { serverSecurityWarning } from "../core/package/consistency.ts";
import { addCrlToServerKit, type CrlSource, checkPackageCrls } from "../core/package/package-crl.ts";
import { planKitUpdate } from "../core/package/plan-update.ts";
import { verifySignedZip } from "../core/package/verify-signed-zip.ts";
import { fingerprintSha256 } from "../core/x509/fingerprint.ts";
import { parseSoleCertificate } from "../core/x509/sole-certificate.ts";
import { checkWritableDir, commitFiles, makeDirs, recoverStale, removeDirs } from "./atomic-write.ts";
import { discoverRequestDir } from "./discover-request-dir.ts";
import { acquireLock } from "./lock.ts";
import type { NodeEnv } from "./node-env.ts";
import { readPackageAsset } from "./package-assets.ts";
import { placeProdFiles, removePlaced } from "./prod-root-files.ts";
import { findBuildersPython } from "./python-for-builders.ts";
import { isDirectory, MAX_INPUT_BYTES, tryReadFile } from "./read-input.ts";
import { runExternalBuilders } from "./run-builders.ts";
import { writeTreeAtomic } from "./write-tree.ts";

/** Options of {@link packageSignedZip}. */
export interface PackageOptions {
  /** `<name>.signed.zip`. */
  input: string;
  /** Output root; default `workspace`. */
  workspace?: string;
  /** Local request folder; default: discovered (cli.md §6). */
  requestDir?: string | undefined;
  /** Expected root CA fingerprint, any accepted spelling (certificates.md §7). */
  fingerprint?: string | undefined;
  force?: boolean;
  /** `--python`: the Python that runs builders flare-provision does not implement. */
  python?: string | undefined;
  /**
   * Renew an existing kit in place (docs/security.md "Renewal"): replace `startup/` as a whole,
   * keep `local/` and `transfer/`; refused unless the kit is the same participant and root.
   */
  update?: boolean;
  /** `--crl`: a CRL of the project's CA to check the certificate against (package-crl.ts). */
  crl?: string | undefined;
}

/** What `package` reports (cli.md §3). */
export interface PackageResult {
  outputDir: string;
  name: string;
  type: string;
  endpoint: string;
  cert: string;
  key: string;
  rootca: string;
  transferDir: string;
  provisionVersion: string;
  fingerprint: string;
  prodDir: string;
  requestDir: string;
  /** With `update`: the serial and expiry of the certificate that was replaced. */
  replaced?: { serial: string; validUntil: Date };
}

/** The `--crl` file, read for the core; `CRL_NOT_FOUND` when it is missing. */
function readCrlOption(path: string | undefined, env: NodeEnv): CrlSource | undefined {
  if (path === undefined) return undefined;
  const read = tryReadFile(resolve(env.cwd, path), MAX_INPUT_BYTES);
  if (read.ok) return { label: path, bytes: read.bytes };
  if (read.reason === "missing")
    throw new FlareError("CRL_NOT_FOUND", { message: `CRL file not found: ${path}.` });
  throw new FlareError("CRL_INVALID", { message: `Cannot read the CRL ${path}.`, detail: read.detail });
}

/**
 * Verifies a signed zip against the local request folder and writes the startup kit under
 * `<workspace>/<project>/prod_<NN>/<name>/` (validation.md §4.4). Library API of `package`.
 * The local `builders:` block is applied: the stock builders natively, any other class through
 * a Python with NVFlare (`options.python`, `FLARE_PROVISION_PYTHON`, `python3`) over a staging
 * copy whose output is checked first (src/node/run-builders.ts).
 * Nothing is written unless every check passed: the kit is assembled beside its destination
 * and renamed into place, and only then are signed.json, the certificate and rootCA.pem copied
 * into the request folder (the reference writes those first, even when it then fails).
 */
export async function packageSignedZip(options: PackageOptions, env: NodeEnv): Promise<PackageResult> {
  if (!options.input.toLowerCase().endsWith(".signed.zip")) {
    throw new FlareError("INVALID_ARGS", {
      message: `Unsupported package input: ${options.input}.`,
      hint: "Provide a .signed.zip file produced by 'nvflare cert approve'.",
    });
  }
  const zipPath = resolve(env.cwd, options.input);
  const zip = tryReadFile(zipPath, MAX_INPUT_BYTES);
  if (!zip.ok) {
    if (zip.reason === "missing")
      throw new FlareError("SIGNED_ZIP_NOT_FOUND", { message: `Signed zip not found: ${options.input}.` });
    throw new FlareError("INVALID_SIGNED_ZIP", {
      message: `Not a valid signed zip: ${options.input}.`,
      detail: zip.detail,
    });
  }
  const approval = await verifySignedZip(
    zip.bytes,
    { label: options.input, expectedFingerprint: options.fingerprint },
    env.deps,
  );
  if (options.fingerprint === undefined) {
    env.note(
      "Warning: Root CA SHA256 fingerprint was not verified. Use --fingerprint to verify it out-of-band.",
    );
  }
  // A revoked certificate is refused before anything else is read or written.
  const crl = await checkPackageCrls(approval, options.input, readCrlOption(options.crl, env), env.deps);

  const requestDir = discoverRequestDir(
    { name: approval.name, requestId: approval.requestId },
    { explicit: options.requestDir, zipPath, cwd: env.cwd, home: env.home, report: env.note },
  );
  const keyPath = join(requestDir, `${approval.name}.key`);
  const key = tryReadFile(keyPath);
  if (!key.ok) {
    if (key.reason === "missing")
      throw new FlareError("KEY_NOT_FOUND", { message: `Private key file not found: ${keyPath}.` });
    throw new FlareError("KEY_INVALID", {
      message: `Failed to load private key '${keyPath}': ${key.detail}.`,
    });
  }
  // A missing file is absent (the core says so in its order); one that cannot be read (a
  // folder, a FIFO, over 1 MiB) fails with its reason when the core first looks at it
  // (validation.md §4.4 rows 24 and 29: exit 4, not "not found").
  const optional = (path: string, fail: (detail: string) => FlareError) => {
    const read = tryReadFile(path);
    return () => {
      if (read.ok) return read.bytes;
      if (read.reason === "missing") return undefined;
      throw fail(`cannot read ${path}: ${read.detail}`);
    };
  };
  const requestJson = optional(
    join(requestDir, "request.json"),
    (why) =>
      new FlareError("REQUEST_METADATA_INVALID", { message: `Local request metadata is invalid: ${why}.` }),
  );
  const siteYaml = optional(
    join(requestDir, "site.yaml"),
    (why) =>
      new FlareError("LOCAL_SITE_INVALID", { message: `Invalid local participant definition: ${why}` }),
  );
  const paired = await checkLocalRequest(
    approval,
    {
      keyPem: key.bytes,
      keyPath,
      get requestJson() {
        return requestJson();
      },
      get siteYaml() {
        return siteYaml();
      },
    },
    env.deps,
  );

  const customCa = paired.participant.custom_ca_cert;
  let customCaCert: Uint8Array | undefined;
  if (typeof customCa === "string" && customCa) {
    const read = tryReadFile(resolve(requestDir, customCa));
    if (!read.ok)
      throw new FlareError("LOCAL_SITE_INVALID", {
        message: `Invalid local participant definition: custom_ca_cert ${customCa}: ${read.detail}`,
      });
    customCaCert = read.bytes;
  }
  const dockerRequirements = readDockerRequirements(paired.builders, env.cwd);
  const kitInput: KitInput = {
    project: paired.project,
    name: approval.name,
    org: approval.org,
    certType: approval.certType as "server" | "client" | "org_admin" | "lead" | "member",
    participant: paired.participant,
    builders: paired.builders,
    signed: {
      scheme: approval.scheme,
      defaultConnectionSecurity: approval.defaultConnectionSecurity,
      server: approval.server,
    },
    certPem: approval.certPem,
    keyPem: key.bytes,
    rootCaPem: approval.rootPem,
    ...(customCaCert ? { customCaCert } : {}),
    ...(dockerRequirements ? { dockerRequirements } : {}),
  };
  const plan = planKit(kitInput);
  let tree = plan.tree;
  let prodFiles = plan.prodFiles;
  const warnings = plan.warnings.map((w) => w.message);
  if (crl && approval.certType === "server") {
    // The server enforces revocation for everyone: its kit gets the CRL and the guard.
    const label = options.crl ?? `${options.input} (signed.json crl_pem)`;
    for (const warning of await addCrlToServerKit(
      tree,
      crl,
      label,
      readPackageAsset(PACKAGE_GUARD_MODULE),
      env.deps,
    ))
      env.note(warning);
  }
  const securityWarning = serverSecurityWarning({
    certType: approval.certType,
    localOverride: paired.participant.connection_security,
    projectDefault: approval.defaultConnectionSecurity,
  });
  if (securityWarning) env.note(securityWarning);
  const connectTo = paired.participant.connect_to;
  if (
    approval.certType !== "server" &&
    isMapping(connectTo) &&
    typeof connectTo.host === "string" &&
    connectTo.host !== approval.server.host
  ) {
    env.textWarning(
      `WARNING: connect_to.host '${connectTo.host}' in ${approval.name} may be invalid: it is not the approved server host '${approval.server.host}' named in the server certificate.`,
    );
  }

  const workspace = resolve(env.cwd, options.workspace ?? "workspace");
  // A symlink to a folder is a fine workspace; a file (or a FIFO...) in the way is not.
  if (existsSync(workspace) && !isDirectory(workspace)) {
    throw new FlareError("OUTPUT_DIR_NOT_WRITABLE", {
      message: `Cannot write to output directory ${workspace}.`,
      detail: "the workspace path is not a directory",
    });
  }
  checkWritableDir(workspace);
  const projectDir = join(workspace, paired.project);
  const prodDir = join(projectDir, `prod_${approval.provisionVersion}`);
  const outputDir = join(prodDir, approval.name);
  // validation.md §4.4 row 35 (one root per prod_NN) checked and the kit written as one step:
  // two packages at once, from two roots, must not both pass the check (docs/security.md).
  const lock = await acquireLock(prodDir, { dirMode: 0o755, report: env.note });
  let done = false;
  let replaced: PackageResult["replaced"];
  try {
    // A kill during an earlier `package --force` may have left the old kit aside: put it back first.
    recoverStale(prodDir, env.note);
    await checkProdRoots(prodDir, approval.fingerprint, env);
    const exists = () =>
      new FlareError("OUTPUT_DIR_EXISTS", { message: `Participant output already exists: ${outputDir}.` });
    if (existsSync(outputDir) && !options.force && !options.update) throw exists();
    if (plan.external.length > 0) {
      // Builders only NVFlare can run: through the requester's Python, in a staging folder,
      // their output checked before the kit below is written like any other.
      const python = findBuildersPython(
        plan.external.map((b) => b.path),
        options.python,
        env.vars ?? {},
        env.cwd,
      );
      const built = runExternalBuilders(kitInput, plan, {
        python,
        projectDir,
        watched: [
          { dir: projectDir, depth: Number.POSITIVE_INFINITY },
          { dir: requestDir, depth: Number.POSITIVE_INFINITY },
          { dir: workspace, depth: 1 },
        ],
        vars: env.vars ?? {},
        textWarning: env.textWarning,
      });
      tree = built.tree;
      prodFiles = built.prodFiles;
      warnings.push(...built.warnings);
    }
    // artifacts.md §10, deferred until the kit exists (validation.md §5 quirk, done safely): the
    // state folder, the prod-root files and the request-folder copies are written once the kit
    // is in place, and if they fail the kit is taken back out, so a failed package writes nothing.
    const signedCopy = dumpJson(parseJson(approval.signedJsonBytes, "signed.json"), { indent: 2 });
    const afterKit = () => {
      const made = makeDirs(join(projectDir, "state"), 0o755);
      let placed: string[] = [];
      try {
        placed = placeProdFiles(prodDir, prodFiles);
        commitFiles(requestDir, [
          { name: "signed.json", bytes: utf8(signedCopy), mode: 0o644 },
          { name: `${approval.name}.crt`, bytes: approval.certPem, mode: 0o644 },
          { name: "rootCA.pem", bytes: approval.rootPem, mode: 0o644 },
        ]);
      } catch (error) {
        removePlaced(placed);
        removeDirs(made);
        throw error;
      }
    };
    if (options.update) {
      if (!isDirectory(outputDir)) {
        throw new FlareError("KIT_NOT_FOUND", {
          message: `No startup kit to update at ${outputDir}.`,
          hint: "Run 'nvflare package' without --update to create the kit.",
        });
      }
      recoverStale(outputDir, env.note);
      const read = (path: string) => {
        const file = tryReadFile(join(outputDir, path));
        return file.ok ? file.bytes : undefined;
      };
      const certFile = ["startup/server.crt", "startup/client.crt"].find((f) => read(f) !== undefined);
      const update = await planKitUpdate(
        tree,
        {
          path: outputDir,
          certificate: certFile ? { file: certFile, bytes: read(certFile) as Uint8Array } : undefined,
          rootCa: read("startup/rootCA.pem"),
        },
        approval,
        env.deps,
      );
      replaced = { serial: update.replacedSerial, validUntil: update.replacedValidUntil };
      // startup/ is swapped in one rename; local/ and transfer/ are never opened for writing.
      writeTreeAtomic(join(outputDir, "startup"), update.startup, {
        replace: true,
        exists,
        afterPlaced: () => {
          if (update.topFiles.size > 0) {
            commitFiles(
              outputDir,
              [...update.topFiles].map(([name, file]) => ({ name, bytes: file.bytes, mode: file.mode })),
            );
          }
          afterKit();
        },
      });
    } else {
      writeTreeAtomic(outputDir, tree, { replace: options.force === true, exists, afterPlaced: afterKit });
    }
    done = true;
  } finally {
    lock.release();
    // A failed package leaves no folder it made (those still empty: another run may be using one).
    if (!done) removeDirs(lock.created);
  }
  // Said once the kit is written, so a failure's message stays the first line on stderr.
  for (const warning of warnings) env.textWarning(`WARNING: ${warning}`);
  env.note(`INFO: Generated results can be found under ${prodDir}. `);

  const isServer = approval.certType === "server";
  const startup = join(outputDir, "startup");
  return {
    outputDir,
    name: approval.name,
    type: approval.certType,
    endpoint: `${approval.scheme}://${approval.server.host}:${approval.server.fedLearnPort}`,
    cert: join(startup, isServer ? "server.crt" : "client.crt"),
    key: join(startup, isServer ? "server.key" : "client.key"),
    rootca: join(startup, "rootCA.pem"),
    transferDir: join(outputDir, "transfer"),
    provisionVersion: approval.provisionVersion,
    fingerprint: approval.fingerprint,
    prodDir,
    requestDir,
    ...(replaced ? { replaced } : {}),
  };
}

/**
 * The DockerBuilder `requirements_file`, relative to the working directory as in the reference.
 * A missing file gives an empty requirements.txt (the reference's fallback; planKit warns when
 * the file was named explicitly); one that exists but cannot be read is an error, not silence.
 */
function readDockerRequirements(builders: unknown, cwd: string): Uint8Array | undefined {
  const docker = resolveBuilders(builders).docker;
  if (docker === null) return undefined;
  const read = tryReadFile(resolve(cwd, docker.requirementsFile));
  if (read.ok) return read.bytes;
  if (read.reason === "missing") return undefined;
  throw new FlareError("LOCAL_SITE_INVALID", {
    message: `Invalid local participant definition: DockerBuilder requirements_file ${docker.requirementsFile}: ${read.detail}`,
  });
}

/**
 * Every rootCA.pem already under `prod_<NN>` must be this approval's root (validation.md §4.4
 * row 35): one deploy version never mixes two CAs. Symlinked folders are not followed (as the
 * reference's walk); a rootCA.pem that is not a regular file is refused.
 */
async function checkProdRoots(prodDir: string, fingerprint: string, env: NodeEnv): Promise<void> {
  if (!existsSync(prodDir)) return;
  const stack = [prodDir];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith(".")) stack.push(path);
        continue;
      }
      if (entry.name !== "rootCA.pem") continue;
      // A symlink (or FIFO...) named rootCA.pem is refused, not skipped, as the reference's
      // O_NOFOLLOW load does: skipping it would let a kit of another root through the check.
      if (!entry.isFile()) {
        throw new FlareError("ROOTCA_LOAD_FAILED", {
          message: `Existing production directory contains unreadable rootCA.pem: ${path}.`,
          detail: entry.isSymbolicLink() ? "it is a symbolic link" : "it is not a regular file",
        });
      }
      const read = tryReadFile(path);
      let found: string | undefined;
      try {
        // One certificate and nothing else, like every rootCA.pem we read (docs/security.md).
        if (read.ok) found = await fingerprintSha256(parseSoleCertificate(read.bytes).der, env.deps);
      } catch {
        found = undefined;
      }
      if (!found) {
        throw new FlareError("ROOTCA_LOAD_FAILED", {
          message: `Existing production directory contains unreadable rootCA.pem: ${path}.`,
        });
      }
      if (found !== fingerprint) {
        throw new FlareError("ROOTCA_FINGERPRINT_MISMATCH", {
          message: `Existing production directory ${prodDir} uses a different root CA.`,
          detail: `expected ${fingerprint}; found ${found}`,
          hint: "Use the signed zip for the same CA, choose the matching CA provision version, or clear the stale provision directory.",
        });
      }
    }
  }
}
