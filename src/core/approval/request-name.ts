import { fromUtf8 } from "../bytes/encoding.ts";
import { isMapping } from "../inputs/structured.ts";
import { parseJson } from "../json/parse-json.ts";
import { readRequestZipMembers } from "./read-zip-members.ts";

/**
 * The participant a request zip is for (request.json `name`), without verifying anything else;
 * undefined when that cannot be read. A batch uses it to see who sent a request at all.
 */
export function requestNameOfZip(zipBytes: Uint8Array): string | undefined {
  try {
    const json = readRequestZipMembers(zipBytes).get("request.json");
    if (!json) return undefined;
    const request = parseJson(fromUtf8(json), "request.json");
    return isMapping(request) && typeof request.name === "string" ? request.name : undefined;
  } catch {
    return undefined;
  }
}
