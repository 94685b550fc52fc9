/**
 * Getting bytes in (file inputs, a folder, a zip of a folder) and out (downloads), all inside
 * the page: files are read with `File.arrayBuffer()` and saved through a `blob:` URL, so no
 * byte is ever sent anywhere.
 */
import { FlareError, invalidArgs, readArchive, ZipViolation } from "./core-api.ts";

/** The CLI refuses inputs over 64 MiB before parsing them (src/node/read-input.ts); so does the page. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/** A file the user picked, read into memory. */
export interface PickedFile {
  /** The file's name, which labels it in messages as a path would at the CLI. */
  name: string;
  bytes: Uint8Array;
}

/** A folder the user picked (a directory, several files, or a zip of a folder), in memory. */
export interface PickedFolder {
  /** The folder's name (`ca`, `hospital-a`); `.` for loose files. */
  label: string;
  /** Files by their path inside the folder. */
  files: Map<string, Uint8Array>;
  /** Unix modes recorded in a zip, by path (empty for picked files, which carry none). */
  modes: Map<string, number>;
}

/** Reads one picked file; over {@link MAX_INPUT_BYTES} is refused as the CLI refuses it. */
export async function readPicked(file: File): Promise<PickedFile> {
  if (file.size > MAX_INPUT_BYTES) throw invalidArgs(`cannot read ${file.name}: file is larger than 64 MiB`);
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}

/**
 * A folder from a file input: one `*.zip` is unpacked (a common top folder becomes the label);
 * files from a `webkitdirectory` input keep their relative paths (the first component is the
 * label); loose files are taken as the folder `.`.
 */
export async function readPickedFolder(files: readonly File[]): Promise<PickedFolder> {
  const first = files[0];
  if (files.length === 1 && first && /\.zip$/i.test(first.name)) {
    const zip = await readPicked(first);
    return folderFromZip(zip);
  }
  const picked = await Promise.all(
    files.map(async (file) => ({ path: file.webkitRelativePath || file.name, ...(await readPicked(file)) })),
  );
  const tops = new Set(picked.map((p) => (p.path.includes("/") ? p.path.split("/")[0] : "")));
  const top = tops.size === 1 ? [...tops][0] : "";
  const result: PickedFolder = { label: top || ".", files: new Map(), modes: new Map() };
  for (const p of picked) result.files.set(top ? p.path.slice(top.length + 1) : p.name, p.bytes);
  return result;
}

/** Unpacks a zip of a folder (readArchive's checks); a zip error becomes `INVALID_ARGS` naming it. */
export function folderFromZip(zip: PickedFile): PickedFolder {
  let entries: ReturnType<typeof readArchive>;
  try {
    entries = readArchive(zip.bytes);
  } catch (error) {
    if (error instanceof ZipViolation) throw invalidArgs(`cannot unpack ${zip.name}: ${error.message}`);
    throw error;
  }
  const tops = new Set(entries.map((e) => (e.path.includes("/") ? e.path.split("/")[0] : "")));
  const top = tops.size === 1 ? ([...tops][0] ?? "") : "";
  const result: PickedFolder = {
    label: top || zip.name.replace(/\.zip$/i, ""),
    files: new Map(),
    modes: new Map(),
  };
  for (const entry of entries) {
    const path = top ? entry.path.slice(top.length + 1) : entry.path;
    result.files.set(path, entry.data);
    result.modes.set(path, entry.mode);
  }
  return result;
}

/** The files of a file input's current selection, as an array. */
export function selectedFiles(input: HTMLInputElement): File[] {
  return input.files ? Array.from(input.files) : [];
}

/**
 * Saves `bytes` as `fileName` through a temporary `blob:` URL and a clicked `<a download>`:
 * the browser writes the file; nothing leaves the machine.
 */
export function saveBytes(fileName: string, bytes: Uint8Array, type = "application/zip"): void {
  const blob = new Blob([bytes.slice().buffer], { type });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the URL; keep it alive a little for slow browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Any thrown value as a FlareError (a non-coded one is a bug: INTERNAL_ERROR, as the CLI says). */
export function asFlareError(error: unknown): FlareError {
  if (error instanceof FlareError) return error;
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new FlareError("INTERNAL_ERROR", {
    message: `An unexpected error occurred. \u2014 ${text.split(/\r?\n/, 1)[0]}`,
    hint: "This is a bug in flare-provision; please report it with the steps that led here.",
  });
}
