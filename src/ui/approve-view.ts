/**
 * The Approve view (Project Admin): `cert init` and `cert approve` in the page. The project
 * profile comes from the form or a file; the root CA is created here (its key made with
 * WebCrypto) or loaded from an existing CA folder; each dropped request zip shows what
 * `cert inspect` shows and is approved with the CLI's own checks, in the CLI's order.
 */
import {
  approveRequest,
  type CoreDeps,
  dumpYaml,
  type FolderFile,
  inspectCaDir,
  inspectRequestZip,
  invalidArgs,
  type MaybeFile,
  type ProjectProfile,
  parseProjectProfile,
  parseYamlMapping,
  planCaFolder,
  privateFolderReadme,
  unlockCaKeyPem,
  utf8,
  writeArchive,
} from "./core-api.ts";
import { append, busy, button, field, h, panel, replace } from "./dom.ts";
import {
  asFlareError,
  type PickedFile,
  readPicked,
  readPickedFolder,
  saveBytes,
  selectedFiles,
} from "./files.ts";
import { checksView, errorView, factsView, noteView, verdictView } from "./report-view.ts";

const TYPED_PROFILE = "project_profile.yaml";
/** The folder name a CA made in the page gets (the CLI's `-o ca` of the README). */
const NEW_CA_LABEL = "ca";
const NO_CA_LABEL = "(no CA folder loaded)";

/** The file name of a downloaded CA folder: it says that it holds the root key. */
export const CA_ZIP_NAME = "ca.ROOT-KEY-keep-offline.zip";

/** A CA folder held by the page: made here or loaded. */
interface CaFolder {
  label: string;
  files: Map<string, Uint8Array>;
  /** Modes to archive it with; only for a CA made in the page. */
  planned?: FolderFile[];
}

/** Mounts the view into `root`. */
export function mountApproveView(root: HTMLElement, deps: CoreDeps): void {
  let ca: CaFolder | undefined;
  let profileLabel = TYPED_PROFILE;

  // 1. Project profile.
  const project = h("input", {
    type: "text",
    name: "profile-name",
    autocomplete: "off",
    spellcheck: "false",
  });
  const scheme = h("select", {}, ...["grpc", "tcp", "http"].map((v) => h("option", { value: v }, v)));
  const security = h("select", {}, ...["tls", "mtls", "clear"].map((v) => h("option", { value: v }, v)));
  const host = h("input", { type: "text", autocomplete: "off", spellcheck: "false" });
  const fedPort = h("input", { type: "number", min: 1, max: 65535, value: 8002, inputmode: "numeric" });
  const adminPort = h("input", { type: "number", min: 1, max: 65535, value: 8003, inputmode: "numeric" });
  const profileFile = h("input", { type: "file", accept: ".yaml,.yml,text/yaml" });
  const profileYaml = h("textarea", { rows: 8, spellcheck: "false", class: "code" });
  const profileStatus = h("div", { class: "status-region", "aria-live": "polite" });

  const profileFromForm = () => {
    const port = (input: HTMLInputElement) => (/^\d+$/.test(input.value) ? Number(input.value) : input.value);
    profileYaml.value = dumpYaml({
      name: project.value,
      scheme: scheme.value,
      connection_security: security.value,
      server: { host: host.value, fed_learn_port: port(fedPort), admin_port: port(adminPort) },
    });
    profileLabel = TYPED_PROFILE;
  };
  const profileFile_ = (): MaybeFile => ({
    path: profileLabel,
    bytes: profileYaml.value.trim() === "" ? undefined : utf8(profileYaml.value),
  });
  const checkProfile = (): ProjectProfile | undefined => {
    try {
      const file = profileFile_();
      if (!file.bytes) throw new Error("empty");
      const profile = parseProjectProfile(parseYamlMapping(file.bytes, file.path), file.path);
      replace(
        profileStatus,
        noteView(
          `Valid: project ${profile.name}, ${profile.scheme}://${profile.server.host}:${profile.server.fedLearnPort} (admin port ${profile.server.adminPort}), ${profile.connectionSecurity}.`,
          "ok",
        ),
      );
      return profile;
    } catch (error) {
      if (error instanceof Error && error.message === "empty") replace(profileStatus);
      else replace(profileStatus, errorView(asFlareError(error)));
      return undefined;
    }
  };
  for (const control of [project, host, fedPort, adminPort]) {
    control.addEventListener("input", () => {
      profileFromForm();
      checkProfile();
    });
  }
  for (const control of [scheme, security]) {
    control.addEventListener("change", () => {
      profileFromForm();
      checkProfile();
    });
  }
  profileYaml.addEventListener("input", () => {
    profileLabel = TYPED_PROFILE;
    checkProfile();
  });
  profileFile.addEventListener("change", async () => {
    const file = selectedFiles(profileFile)[0];
    if (!file) return;
    try {
      const picked = await readPicked(file);
      profileYaml.value = new TextDecoder().decode(picked.bytes);
      profileLabel = picked.name;
      const profile = checkProfile();
      if (profile) {
        // The form shows what the file says; the file's text stays what is checked and used.
        project.value = profile.name;
        scheme.value = profile.scheme;
        security.value = profile.connectionSecurity;
        host.value = profile.server.host;
        fedPort.value = String(profile.server.fedLearnPort);
        adminPort.value = String(profile.server.adminPort);
      }
    } catch (error) {
      replace(profileStatus, errorView(asFlareError(error)));
    }
  });

  // 2. Root CA: create or load.
  const org = h("input", { type: "text", autocomplete: "off", spellcheck: "false" });
  const rootDays = h("input", { type: "number", min: 1, value: 3650, inputmode: "numeric" });
  const deployVersion = h("input", {
    type: "text",
    value: "00",
    maxlength: 2,
    inputmode: "numeric",
    spellcheck: "false",
  });
  const caDirInput = h("input", { type: "file", webkitdirectory: true });
  const caFilesInput = h("input", { type: "file", multiple: true, accept: ".pem,.key,.json,.zip" });
  // Only for a rootCA.key encrypted with `cert init --encrypt-key` / `cert key encrypt`.
  const caPassphrase = h("input", { type: "password", autocomplete: "off", spellcheck: "false" });
  const caResult = h("div", { class: "result", "aria-live": "polite" });
  const fingerprintBox = h("div", { class: "fingerprint-box", "aria-live": "polite" });

  const showCa = async (folder: CaFolder, made: boolean) => {
    ca = folder;
    const file = (name: string): MaybeFile => ({
      path: `${folder.label}/${name}`,
      bytes: folder.files.get(name),
    });
    const report = await inspectCaDir(
      {
        caDir: folder.label,
        caJson: file("ca.json"),
        rootCaPem: file("rootCA.pem"),
        rootCaKey: file("rootCA.key"),
      },
      {},
      deps,
    );
    const failed = report.checks.filter((c) => !c.ok && !c.skipped).map((c) => c.id);
    const planned = folder.planned;
    replace(
      caResult,
      noteView(
        made
          ? "Root CA created in this page. Its key exists only here until you save the CA folder."
          : `CA folder ${folder.label} loaded.`,
        "ok",
      ),
      factsView(report),
      verdictView(report, failed),
      checksView(report),
      planned
        ? h(
            "div",
            { class: "download keep" },
            h("h3", {}, "Keep this: it holds the root key"),
            h(
              "p",
              {},
              "The CA folder holds rootCA.key (0600), rootCA.pem and ca.json. Keep it offline and never send it; load it here or use it with nvflare cert approve --ca-dir.",
            ),
            button("Download CA folder (root key)", () => saveBytes(CA_ZIP_NAME, caZip(planned, deps))),
          )
        : null,
    );
    const fingerprint = report.facts.rootca_fingerprint_sha256;
    if (typeof fingerprint === "string") showFingerprint(fingerprintBox, fingerprint);
    else replace(fingerprintBox);
  };

  const create = button(
    "Create root CA",
    () =>
      void busy(create, async () => {
        replace(caResult, noteView("Generating the root key in this page…"));
        try {
          const profile = profileFile_();
          const plan = await planCaFolder(
            {
              profile: { path: profile.path, bytes: profile.bytes ?? new Uint8Array(0) },
              org: org.value.trim() || undefined,
              validDays: positiveDays(rootDays.value),
              deployVersion: deployVersion.value,
            },
            deps,
          );
          await showCa(
            {
              label: NEW_CA_LABEL,
              files: new Map(plan.files.map((f) => [f.name, f.bytes])),
              planned: plan.files,
            },
            true,
          );
        } catch (error) {
          replace(caResult, errorView(asFlareError(error)));
        }
      }),
    "primary",
  );
  const loadCa = async (input: HTMLInputElement) => {
    const files = selectedFiles(input);
    if (files.length === 0) return;
    try {
      const folder = await readPickedFolder(files);
      await showCa({ label: folder.label === "." ? NEW_CA_LABEL : folder.label, files: folder.files }, false);
    } catch (error) {
      replace(caResult, errorView(asFlareError(error)));
    }
  };
  caDirInput.addEventListener("change", () => void loadCa(caDirInput));
  caFilesInput.addEventListener("change", () => void loadCa(caFilesInput));

  // 3. Requests.
  const leafDays = h("input", { type: "number", min: 1, value: 1095, inputmode: "numeric" });
  const requestsInput = h("input", { type: "file", multiple: true, accept: ".zip" });
  const drop = h("div", { class: "drop", "aria-hidden": "true" }, "Drop request zips here");
  const cards = h("div", { class: "cards" });
  const approvers: Array<() => Promise<void>> = [];

  const addRequest = async (picked: PickedFile) => {
    const report = await inspectRequestZip(picked.bytes, {}, deps);
    const failed = report.checks.filter((c) => !c.ok && !c.skipped).map((c) => c.id);
    const outcome = h("div", { class: "outcome", "aria-live": "polite" });
    const title = typeof report.facts.name === "string" ? report.facts.name : picked.name;
    const approve = async () => {
      try {
        const approval = await approveRequest(
          {
            requestZip: picked.bytes,
            caDir: ca?.label ?? NO_CA_LABEL,
            caJson: caFile("ca.json"),
            rootCaPem: caFile("rootCA.pem"),
            rootCaKey: caFile("rootCA.key"),
            profile: profileFile_(),
            validDays: positiveDays(leafDays.value),
            unlockCaKey: caPassphrase.value
              ? (pem) =>
                  unlockCaKeyPem(pem, caPassphrase.value, `${ca?.label ?? NO_CA_LABEL}/rootCA.key`, deps)
              : undefined,
          },
          deps,
        );
        const signedName = `${approval.verified.name}.signed.zip`;
        replace(
          outcome,
          noteView(`Approved ${approval.verified.name}: send ${signedName} back to the requester.`, "ok"),
          factsView({
            artifact: "signed-zip",
            facts: {
              name: approval.verified.name,
              type: approval.verified.certType,
              provision_version: approval.provisionVersion,
              rootca_fingerprint_sha256: approval.fingerprint,
            },
            checks: [],
          }),
          button(`Download ${signedName}`, () => saveBytes(signedName, approval.signedZip), "primary"),
        );
      } catch (error) {
        replace(outcome, errorView(asFlareError(error)));
      }
    };
    approvers.push(approve);
    const approveButton = button(`Approve ${title}`, () => void busy(approveButton, approve), "primary");
    cards.append(
      h(
        "article",
        { class: "card", "aria-label": `Request ${picked.name}` },
        h("h3", {}, picked.name),
        factsView(report, [
          "name",
          "type",
          "role",
          "org",
          "project",
          "kind",
          "request_id",
          "csr_subject",
          "host_names",
          "public_key_sha256",
        ]),
        verdictView(report, failed),
        h("details", {}, h("summary", {}, `All ${report.checks.length} checks`), checksView(report)),
        approveButton,
        outcome,
      ),
    );
  };
  const caFile = (name: string): MaybeFile => ({
    path: `${ca?.label ?? NO_CA_LABEL}/${name}`,
    bytes: ca?.files.get(name),
  });
  const addFiles = async (files: readonly File[]) => {
    for (const file of files) {
      try {
        await addRequest(await readPicked(file));
      } catch (error) {
        cards.append(h("article", { class: "card" }, h("h3", {}, file.name), errorView(asFlareError(error))));
      }
    }
  };
  requestsInput.addEventListener("change", () => {
    void addFiles(selectedFiles(requestsInput)).then(() => {
      requestsInput.value = "";
    });
  });
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    void addFiles(event.dataTransfer ? Array.from(event.dataTransfer.files) : []);
  });
  const approveAll = button(
    "Approve all",
    () =>
      void busy(approveAll, async () => {
        for (const approve of approvers) await approve();
      }),
  );

  append(
    root,
    h(
      "p",
      { class: "lead" },
      "For the Project Admin: create the project's root CA here (or load yours), check each request zip your participants sent, approve it and send back the signed zip. Share the root fingerprint over a channel you trust.",
    ),
    panel(
      "1. Project profile",
      h(
        "div",
        { class: "grid" },
        field("Project name", project),
        field("Scheme", scheme),
        field("Connection security", security),
        field("Server host", host, "The FL server's name; the server participant must request this name."),
        field("FL port", fedPort),
        field("Admin port", adminPort),
      ),
      field("Or load project_profile.yaml", profileFile),
      field("Project profile (YAML)", profileYaml),
      profileStatus,
    ),
    panel(
      "2. Root CA",
      h(
        "div",
        { class: "choice" },
        h(
          "div",
          { class: "option" },
          h("h3", {}, "Create a new root CA here"),
          h(
            "div",
            { class: "grid" },
            field("Organization (optional)", org),
            field("Valid days", rootDays),
            field("Deploy version", deployVersion, "Two digits; kits land in prod_NN."),
          ),
          create,
        ),
        h(
          "div",
          { class: "option" },
          h("h3", {}, "Or load an existing CA folder"),
          field("CA folder", caDirInput, "The folder with rootCA.pem, rootCA.key and ca.json."),
          field("Or its files, or its zip", caFilesInput),
          field(
            "Root key passphrase",
            caPassphrase,
            "Only if rootCA.key is encrypted; it stays in this page and is never stored.",
          ),
        ),
      ),
      caResult,
    ),
    panel("Root fingerprint to share", fingerprintBox),
    panel(
      "3. Requests",
      h(
        "div",
        { class: "grid" },
        field("Request zips", requestsInput, "One or many <name>.request.zip files."),
        field("Certificate validity (days)", leafDays),
      ),
      drop,
      approveAll,
      cards,
    ),
  );
  profileFromForm();
  replace(fingerprintBox, noteView("Create or load a CA to see its fingerprint."));
}

/**
 * A `--valid-days` value checked as the CLI's argument parser checks it (src/cli/command-spec.ts
 * `positiveInt`), with its messages.
 */
function positiveDays(raw: string): number {
  if (!/^[+-]?\d+$/.test(raw.trim())) throw invalidArgs(`argument --valid-days: invalid int value: '${raw}'`);
  const days = Number.parseInt(raw, 10);
  if (days < 1) throw invalidArgs("argument --valid-days: value must be >= 1");
  return days;
}

/** The fingerprint in large type with a copy button; copying stays on this machine (clipboard). */
function showFingerprint(box: HTMLElement, fingerprint: string): void {
  const copied = h("span", { class: "copied", "aria-live": "polite" });
  const copy = button("Copy fingerprint", () => {
    void navigator.clipboard?.writeText(fingerprint).then(
      () => replace(copied, "Copied."),
      () => replace(copied, "Copy failed: select the text and copy it."),
    );
  });
  replace(
    box,
    h(
      "p",
      {},
      "Give this to every participant over a channel you trust (phone, signed mail); they enter it when they package their kit.",
    ),
    h("p", { class: "fingerprint" }, h("code", { "data-fingerprint": fingerprint }, fingerprint)),
    copy,
    copied,
  );
}

/** The CA folder as a zip with cert init's modes and a note that it holds the root key. */
function caZip(files: FolderFile[], deps: CoreDeps): Uint8Array {
  const readme = privateFolderReadme({
    folder: NEW_CA_LABEL,
    keyFile: "rootCA.key",
    purpose: "the project's root CA key, made by 'cert init'; it signs every participant's certificate",
    sendable:
      "nothing from this folder; share only the root fingerprint, and send each requester its signed zip",
  });
  return writeArchive(
    [
      { path: NEW_CA_LABEL, mode: 0o700 },
      ...files.map((f) => ({ path: `${NEW_CA_LABEL}/${f.name}`, mode: f.mode, data: f.bytes })),
      { path: `${NEW_CA_LABEL}/README-ROOT-KEY.txt`, mode: 0o644, data: utf8(readme) },
    ],
    { date: deps.now() },
  );
}
