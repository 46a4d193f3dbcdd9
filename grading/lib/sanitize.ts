/**
 * Text that a run or a submission produced (failure messages, module errors, logs, file names,
 * compiler messages quoting student code) ends up in a terminal, on Gradescope's page and in CSV
 * files. It must be shown there as text, never obeyed: an escape sequence in a failure message could
 * clear the screen and repaint the score line. So everything the grader prints or writes passes
 * through `cleanText` (or `cleanStrings` for a whole report) first.
 */
/* eslint-disable no-control-regex -- finding control characters is what this module is for */

/**
 * ESC-introduced sequences: CSI (`ESC [` parameters, intermediates, final byte), the string
 * commands OSC/DCS/SOS/PM/APC (`ESC ] P X ^ _` up to BEL or ST; an unterminated one up to the end of
 * its line), and two-character escapes such as `ESC c` (reset).
 */
const ESC_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\u0007\u001b\u009c\n]*(?:\u0007|\u001b\\|\u009c)?|[ -/]*[0-~]?)/g;
/** The same commands in their 8-bit (C1) forms: CSI U+009B; DCS, SOS, OSC, PM, APC up to BEL or ST (U+009C). */
const C1_SEQUENCE = /\u009b[0-?]*[ -/]*[@-~]?|[\u0090\u0098\u009d-\u009f][^\u0007\u001b\u009c\n]*(?:\u0007|\u009c)?/g;
/**
 * What is left after the sequences: every C0 control but \t and \n (\r included: it rewinds the
 * line), DEL, every C1 control, and the bidirectional overrides, isolates and marks that make text
 * display in another order than it is stored (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C).
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `s` without escape sequences, control characters (except \n and \t) and bidi overrides; cut to
 * `maxLength` characters (the last one an ellipsis) when longer.
 */
export function cleanText(s: string, maxLength = Infinity): string {
  const out = s.replace(ESC_SEQUENCE, '').replace(C1_SEQUENCE, '').replace(CONTROL, '');
  if (out.length <= maxLength) return out;
  let cut = Math.max(0, maxLength - 1);
  // Never split a surrogate pair: half of one is not a character.
  const code = out.charCodeAt(cut - 1);
  if (cut > 0 && code >= 0xd800 && code <= 0xdbff) cut--;
  return `${out.slice(0, cut)}…`;
}

/** A deep copy of JSON-like data with every string (keys too) passed through `cleanText`. */
export function cleanStrings<T>(value: T): T {
  return clean(value) as T;
}

function clean(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(clean);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [cleanText(k), clean(v)]));
  }
  return value;
}

/**
 * A name from a submission (a file or zip member name) for display: control and bidi characters,
 * \n and \t included, are written out as `\u001b` etc., so a strange name is seen as strange instead
 * of vanishing or breaking the line it is listed on.
 */
export function printableName(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
