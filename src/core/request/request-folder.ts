import { utf8 } from "../bytes/encoding.ts";
import type { FolderFile } from "../ca/plan-ca-folder.ts";
import type { RequestBundle } from "./build-request.ts";
import { REQUEST_CODE_FILE, requestCodeFile } from "./request-code.ts";

/** The name of the note that private archives carry beside the folder's own files. */
export const PRIVATE_README = "README-PRIVATE-KEY.txt";

/**
 * The files of a request folder as `cert request` writes them (artifacts.md §3): the key
 * (0600), the CSR and the local site.yaml (0644), request.json (0600), the request code
 * (0644, not secret) and the request zip (0600), in its write order (the zip last: its
 * presence marks a complete folder).
 */
export function requestFolderFiles(bundle: RequestBundle): FolderFile[] {
  const { name } = bundle;
  return [
    { name: `${name}.key`, bytes: utf8(bundle.keyPem), mode: 0o600 },
    { name: `${name}.csr`, bytes: utf8(bundle.csrPem), mode: 0o644 },
    { name: "site.yaml", bytes: utf8(bundle.localSiteYaml), mode: 0o644 },
    { name: "request.json", bytes: utf8(bundle.requestJson), mode: 0o600 },
    { name: REQUEST_CODE_FILE, bytes: requestCodeFile(bundle.requestCode), mode: 0o644 },
    { name: `${name}.request.zip`, bytes: bundle.requestZip, mode: 0o600 },
  ];
}

/**
 * The note put into an archive of a folder that holds a private key (a request folder, a CA
 * folder, a startup kit): what the key is, that it must stay on this machine, and which single
 * file may be sent. `keyFile` names the key inside the folder, `sendable` what travels instead.
 */
export function privateFolderReadme(what: {
  folder: string;
  keyFile: string;
  purpose: string;
  sendable: string;
}): string {
  return [
    `THIS ARCHIVE HOLDS A PRIVATE KEY: ${what.folder}/${what.keyFile}`,
    "",
    `It is ${what.purpose}.`,
    "Keep this archive and the folder it unpacks to on this machine, readable only by you.",
    "Never e-mail it, upload it or hand it to anyone: whoever has the key can act as you.",
    "",
    `What you may send: ${what.sendable}`,
    "",
    "The key was generated on this machine and never left it; no copy exists anywhere else.",
    "Unpack with `unzip`, which keeps the file modes (the key stays 0600).",
    "",
  ].join("\n");
}
