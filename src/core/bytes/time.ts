/** `YYYY-MM-DDTHH:MM:SSZ`, the UTC timestamp format of every artifact (spec README). */
export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** `yyyymmddTHHMMSS` in UTC, the `.bak/<ts>` folder name (artifacts.md §3). */
export function compactTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/[-:]/g, "");
}
