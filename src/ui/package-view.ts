/**
 * The Package view (requester): `package` in the page. The signed zip and the request folder
 * (its zip from the Request view, or the folder itself) are checked as `cert inspect` checks a
 * request folder holding a signed zip, i.e. every check `package` runs; then the kit is built
 * with `package`'s own chain and saved as a zip whose entries keep their modes.
 */
import {
  type ArchiveEntry,
  type CoreDeps,
  failedChecks,
  fromUtf8,
  inspectKit,
  inspectRequestDir,
  inspectSignedZip,
  type PackagePlan,
  planPackage,
  writeArchive,
} from "./core-api.ts";
import { append, busy, button, field, h, panel, replace } from "./dom.ts";
import {
  asFlareError,
  type PickedFile,
  type PickedFolder,
  readPicked,
  readPickedFolder,
  saveBytes,
  selectedFiles,
} from "./files.ts";
import { checksView, errorView, factsView, fileTreeView, noteView, verdictView } from "./report-view.ts";

/** The file name of a downloaded startup kit. */
export function kitZipName(name: string): string {
  return `${name}.startup-kit.zip`;
}

/** Mounts the view into `root`. */
export function mountPackageView(root: HTMLElement, deps: CoreDeps): void {
  let signed: PickedFile | undefined;
  let folder: PickedFolder | undefined;

  const signedInput = h("input", { type: "file", accept: ".zip" });
  const folderZipInput = h("input", {
    type: "file",
    multiple: true,
    accept: ".zip,.key,.csr,.json,.yaml,.pem",
  });
  const folderDirInput = h("input", { type: "file", webkitdirectory: true });
  const fingerprint = h("input", {
    type: "text",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "SHA256:AB:CD:…",
    class: "code",
  });
  const loaded = h("div", { class: "status-region", "aria-live": "polite" });
  const checks = h("div", { class: "result", "aria-live": "polite" });
  const result = h("div", { class: "result", "aria-live": "polite" });

  const expected = () => (fingerprint.value.trim() === "" ? undefined : fingerprint.value.trim());

  const refresh = async () => {
    replace(
      loaded,
      h(
        "ul",
        { class: "loaded" },
        h("li", {}, `Signed zip: ${signed ? signed.name : "not loaded"}`),
        h(
          "li",
          {},
          `Request folder: ${folder ? `${folder.label} (${[...folder.files.keys()].sort().join(", ")})` : "not loaded"}`,
        ),
      ),
    );
    if (!signed) {
      replace(checks);
      return;
    }
    try {
      const options = { expectedFingerprint: expected() };
      const report = folder
        ? await inspectRequestDir(requestDirInput(folder, signed), options, deps)
        : await inspectSignedZip(signed.bytes, { ...options, label: signed.name }, deps);
      replace(
        checks,
        h(
          "h3",
          {},
          folder
            ? "Every check package runs"
            : "Checks of the signed zip (load the request folder for the rest)",
        ),
        factsView(report, [
          "name",
          "type",
          "role",
          "org",
          "project",
          "deploy_version",
          "rootca_fingerprint_sha256",
          "endpoint",
          "connection_security",
          "valid_until",
        ]),
        verdictView(report, failedChecks(report)),
        checksView(report),
      );
    } catch (error) {
      replace(checks, errorView(asFlareError(error)));
    }
  };

  signedInput.addEventListener("change", async () => {
    const file = selectedFiles(signedInput)[0];
    if (!file) return;
    try {
      signed = await readPicked(file);
      await refresh();
    } catch (error) {
      replace(checks, errorView(asFlareError(error)));
    }
  });
  const loadFolder = async (input: HTMLInputElement) => {
    const files = selectedFiles(input);
    if (files.length === 0) return;
    try {
      folder = await readPickedFolder(files);
      await refresh();
    } catch (error) {
      replace(checks, errorView(asFlareError(error)));
    }
  };
  // One folder at a time: picking it one way clears the other input, so both never show a choice.
  folderZipInput.addEventListener("change", () => {
    folderDirInput.value = "";
    void loadFolder(folderZipInput);
  });
  folderDirInput.addEventListener("change", () => {
    folderZipInput.value = "";
    void loadFolder(folderDirInput);
  });
  fingerprint.addEventListener("change", () => void refresh());

  const build = button(
    "Build startup kit",
    () =>
      void busy(build, async () => {
        try {
          if (!signed) throw new Error("no signed zip");
          const plan = await planPackage(
            {
              signedZip: { name: signed.name, bytes: signed.bytes },
              fingerprint: expected(),
              requestFolder: folder ? { label: folder.label, files: folder.files } : undefined,
            },
            deps,
          );
          await showKit(result, plan, deps);
        } catch (error) {
          if (error instanceof Error && error.message === "no signed zip")
            replace(result, noteView("Load the signed zip first.", "warning"));
          else replace(result, errorView(asFlareError(error)));
        }
      }),
    "primary",
  );

  append(
    root,
    h(
      "p",
      { class: "lead" },
      "For the requester: load the signed zip your Project Admin sent back and your request folder, enter the root fingerprint they shared, check everything and build your startup kit.",
    ),
    panel(
      "1. Signed zip and request folder",
      field("Signed zip", signedInput, "<name>.signed.zip from your Project Admin."),
      field(
        "Request folder zip, or the folder's files",
        folderZipInput,
        "The request folder zip from the Request view, or the files of your request folder.",
      ),
      field("Or pick the request folder", folderDirInput),
      loaded,
    ),
    panel(
      "2. Root fingerprint",
      field(
        "Root CA fingerprint",
        fingerprint,
        "As your Project Admin shared it out of band (SHA256:AA:BB:… or 64 hex digits). Without it the root is not verified.",
      ),
    ),
    panel("3. Checks", checks),
    panel("4. Startup kit", build, result),
  );
  void refresh();
}

/** What inspect reads from a request folder, with the loaded signed zip placed in it. */
function requestDirInput(folder: PickedFolder, signed: PickedFile) {
  const requestJson = folder.files.get("request.json");
  let name = signed.name.replace(/\.signed\.zip$/i, "");
  if (requestJson) {
    try {
      const parsed = JSON.parse(fromUtf8(requestJson)) as { name?: unknown };
      if (typeof parsed.name === "string" && parsed.name && !parsed.name.includes("/")) name = parsed.name;
    } catch {
      // inspect reports the unreadable request.json itself.
    }
  }
  const file = (path: string) => folder.files.get(path);
  return {
    name,
    requestJson,
    siteYaml: file("site.yaml"),
    key: file(`${name}.key`),
    csr: file(`${name}.csr`),
    requestZip: file(`${name}.request.zip`),
    signedZip: signed.bytes,
    signedJson: file("signed.json"),
    certificate: file(`${name}.crt`),
    rootCa: file("rootCA.pem"),
  };
}

/** The kit as archive entries under `<project>/prod_NN/<name>/`, beside `<project>/state/`, as `package` lays out its workspace. */
export function kitEntries(plan: PackagePlan): ArchiveEntry[] {
  const [project, prod] = plan.kitPath.split("/") as [string, string, string];
  const base = plan.kitPath;
  return [
    { path: project, mode: 0o755 },
    { path: `${project}/${prod}`, mode: 0o755 },
    // DockerBuilder's compose.yaml, .env and nvflare_compose/ beside the kit, as package writes them.
    ...prodEntries(`${project}/${prod}`, plan.prodFiles),
    { path: base, mode: 0o755 },
    ...plan.tree.dirs.map((dir) => ({ path: `${base}/${dir}`, mode: 0o755 })),
    ...[...plan.tree.files].map(([path, file]) => ({
      path: `${base}/${path}`,
      mode: file.mode,
      data: file.bytes,
    })),
    { path: `${project}/state`, mode: 0o755 },
  ];
}

function prodEntries(prodPath: string, files: PackagePlan["prodFiles"]): ArchiveEntry[] {
  const dirs = new Set<string>();
  for (const path of files.keys()) {
    for (let i = path.indexOf("/"); i > 0; i = path.indexOf("/", i + 1)) dirs.add(path.slice(0, i));
  }
  return [
    ...[...dirs].sort().map((dir) => ({ path: `${prodPath}/${dir}`, mode: 0o755 })),
    ...[...files].map(([path, file]) => ({ path: `${prodPath}/${path}`, mode: file.mode, data: file.bytes })),
  ];
}

async function showKit(result: HTMLElement, plan: PackagePlan, deps: CoreDeps): Promise<void> {
  const { approval } = plan;
  const startup: Record<string, Uint8Array> = {};
  for (const [path, file] of plan.tree.files)
    if (path.startsWith("startup/")) startup[path.slice(8)] = file.bytes;
  const kitReport = await inspectKit(
    { folder: approval.name, deployVersion: approval.provisionVersion, startup },
    {},
    deps,
  );
  const isServer = approval.certType === "server";
  const zipName = kitZipName(approval.name);
  replace(
    result,
    ...plan.warnings.map((line) => noteView(line, "warning")),
    noteView(
      `Startup kit for ${approval.name} built. It holds your private key: keep it on the machine that runs the participant.`,
      "ok",
    ),
    factsView({
      artifact: "startup-kit",
      facts: {
        output_dir: plan.kitPath,
        name: approval.name,
        type: approval.certType,
        endpoint: `${approval.scheme}://${approval.server.host}:${approval.server.fedLearnPort}`,
        provision_version: approval.provisionVersion,
        rootca_fingerprint_sha256: approval.fingerprint,
        start: isServer || approval.kind !== "user" ? "./startup/start.sh" : "./startup/fl_admin.sh",
      },
      checks: [],
    }),
    button(
      `Download ${zipName}`,
      () => saveBytes(zipName, writeArchive(kitEntries(plan), { date: deps.now() })),
      "primary",
    ),
    h("p", { class: "help" }, "Unpack it with unzip, which keeps the modes (key 0600, scripts 0755)."),
    fileTreeView(plan.kitPath, plan.tree),
    h(
      "details",
      {},
      h("summary", {}, `Kit checks (${kitReport.checks.length})`),
      verdictView(kitReport, failedChecks(kitReport)),
      checksView(kitReport),
    ),
  );
}
