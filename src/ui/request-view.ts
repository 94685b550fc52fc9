/**
 * The Request view (site or user admin): `cert request` in the page. The participant comes from
 * the form or a loaded YAML file and is checked by the CLI's own parser (same codes and
 * messages); the key is generated here with WebCrypto and leaves the page only as downloads the
 * user starts: the request zip to send and the request folder (with the key) to keep.
 */
import {
  buildRequest,
  type CoreDeps,
  dumpYaml,
  type ParticipantDefinition,
  PRIVATE_README,
  parseParticipantDefinition,
  parseYamlMapping,
  privateFolderReadme,
  type RequestBundle,
  requestFolderFiles,
  utf8,
  writeArchive,
} from "./core-api.ts";
import { append, busy, button, field, h, panel, replace } from "./dom.ts";
import { asFlareError, readPicked, saveBytes, selectedFiles } from "./files.ts";
import { errorView, factsView, noteView } from "./report-view.ts";

/** The label a definition typed into the page has in messages, as a file name would at the CLI. */
const TYPED_LABEL = "participant.yaml";

/** The file name of a downloaded request folder: it says that it holds the key and must stay. */
export function requestFolderZipName(name: string): string {
  return `${name}.request-folder.PRIVATE-KEY-keep-on-this-machine.zip`;
}

/** Mounts the view into `root`. */
export function mountRequestView(root: HTMLElement, deps: CoreDeps): void {
  const project = h("input", { type: "text", name: "project", autocomplete: "off", spellcheck: "false" });
  const name = h("input", { type: "text", name: "name", autocomplete: "off", spellcheck: "false" });
  const org = h("input", { type: "text", name: "org", autocomplete: "organization", spellcheck: "false" });
  const type = h(
    "select",
    { name: "type" },
    h("option", { value: "client" }, "client (a site that trains)"),
    h("option", { value: "server" }, "server (the FL server)"),
    h("option", { value: "admin" }, "admin (a person)"),
  );
  const role = h(
    "select",
    { name: "role", disabled: true },
    h("option", { value: "org_admin" }, "org_admin"),
    h("option", { value: "lead" }, "lead"),
    h("option", { value: "member" }, "member"),
  );
  const yamlFile = h("input", { type: "file", accept: ".yaml,.yml,text/yaml" });
  const yaml = h("textarea", { rows: 9, spellcheck: "false", class: "code" });
  const status = h("div", { class: "status-region", "aria-live": "polite" });
  const result = h("div", { class: "result", "aria-live": "polite" });
  let label = TYPED_LABEL;

  const fromForm = () => {
    const participant: Record<string, string> = { name: name.value, type: type.value, org: org.value };
    if (type.value === "admin") participant.role = role.value;
    yaml.value = dumpYaml({ name: project.value, participants: [participant] });
    label = TYPED_LABEL;
  };
  const check = (): ParticipantDefinition | undefined => {
    try {
      const parsed = parseParticipantDefinition(parseYamlMapping(utf8(yaml.value), label), label);
      const p = parsed.participant;
      replace(
        status,
        noteView(
          `Valid: ${p.certType} ${p.name} (org ${p.org}) in project ${parsed.project}. The key will be made in this page.`,
          "ok",
        ),
      );
      return parsed;
    } catch (error) {
      replace(status, errorView(asFlareError(error)));
      return undefined;
    }
  };

  for (const control of [project, name, org]) {
    control.addEventListener("input", () => {
      fromForm();
      check();
    });
  }
  for (const control of [type, role]) {
    control.addEventListener("change", () => {
      role.disabled = type.value !== "admin";
      fromForm();
      check();
    });
  }
  yaml.addEventListener("input", () => {
    label = TYPED_LABEL;
    check();
  });
  yamlFile.addEventListener("change", async () => {
    const file = selectedFiles(yamlFile)[0];
    if (!file) return;
    try {
      const picked = await readPicked(file);
      yaml.value = new TextDecoder().decode(picked.bytes);
      label = picked.name;
      const parsed = check();
      if (parsed) {
        project.value = parsed.project;
        name.value = parsed.participant.name;
        org.value = parsed.participant.org;
        type.value = parsed.participant.type;
        role.disabled = type.value !== "admin";
        if (parsed.participant.role) role.value = parsed.participant.role;
      }
    } catch (error) {
      replace(status, errorView(asFlareError(error)));
    }
  });

  const generate = button(
    "Generate key and request",
    () =>
      void busy(generate, async () => {
        const parsed = check();
        if (!parsed) {
          replace(result);
          return;
        }
        replace(result, noteView("Generating a 2048-bit RSA key in this page…"));
        try {
          const bundle = await buildRequest(parsed, deps);
          showBundle(result, bundle, deps);
        } catch (error) {
          replace(result, errorView(asFlareError(error)));
        }
      }),
    "primary",
  );

  append(
    root,
    h(
      "p",
      { class: "lead" },
      "For a site or user admin: describe your participant, make its private key and certificate request here, send the request zip to your Project Admin and keep the request folder.",
    ),
    panel(
      "1. Your participant",
      h(
        "div",
        { class: "grid" },
        field("Project name", project, "As your Project Admin named it (project_profile.yaml name)."),
        field(
          "Participant name",
          name,
          "A site name such as hospital-a, the server's host name, or an admin's e-mail.",
        ),
        field("Organization", org),
        field("Type", type),
        field("Admin role", role, "Only for type admin."),
      ),
      field(
        "Or load a participant file (YAML)",
        yamlFile,
        "The same file that nvflare cert request -p reads.",
      ),
      field("Participant definition (YAML)", yaml, "Edit it directly if you like; it is what gets checked."),
      status,
    ),
    panel("2. Key and request", generate, result),
  );
  fromForm();
  status.replaceChildren(noteView("Fill in the participant or load its file; it is checked as you type."));
}

function showBundle(result: HTMLElement, bundle: RequestBundle, deps: CoreDeps): void {
  const { name } = bundle;
  const folderZip = () =>
    writeArchive(
      [
        { path: name, mode: 0o700 },
        ...requestFolderFiles(bundle).map((f) => ({
          path: `${name}/${f.name}`,
          mode: f.mode,
          data: f.bytes,
        })),
        {
          path: `${name}/${PRIVATE_README}`,
          mode: 0o644,
          data: utf8(
            privateFolderReadme({
              folder: name,
              keyFile: `${name}.key`,
              purpose: `the private key of participant ${name}, made by 'cert request'; you need it to package your startup kit`,
              sendable: `${name}.request.zip, and only that, to your Project Admin`,
            }),
          ),
        },
      ],
      { date: deps.now() },
    );
  replace(
    result,
    noteView(
      `Request ${bundle.requestId} for ${name} is ready. The private key exists only in this page until you save it. Send the request zip, then read the request code ${bundle.requestCode} to your Project Admin over a channel they trust (a phone or video call).`,
      "ok",
    ),
    factsView({
      artifact: "request-zip",
      facts: {
        name,
        project: bundle.project,
        request_id: bundle.requestId,
        request_code: bundle.requestCode,
        public_key_sha256: bundle.publicKeySha256,
      },
      checks: [],
    }),
    h(
      "div",
      { class: "downloads" },
      h(
        "div",
        { class: "download send" },
        h("h3", {}, "Send this"),
        h(
          "p",
          {},
          `${name}.request.zip holds request.json, site.yaml and the CSR; no key. Send it to your Project Admin.`,
        ),
        button(
          `Download ${name}.request.zip`,
          () => saveBytes(`${name}.request.zip`, bundle.requestZip),
          "primary",
        ),
      ),
      h(
        "div",
        { class: "download keep" },
        h("h3", {}, "Keep this: it holds your private key"),
        h(
          "p",
          {},
          "The request folder holds the private key (0600), CSR, site.yaml, request.json and the request zip. Keep it on this machine and never send it: you need it to package the startup kit.",
        ),
        button("Download request folder (private key)", () =>
          saveBytes(requestFolderZipName(name), folderZip()),
        ),
      ),
    ),
  );
}
