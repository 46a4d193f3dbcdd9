/**
 * Layer and model names. tfjs refuses two layers of one model with the same name, and its own default
 * names come from a process-wide counter per class name, so exercises that build many models in one
 * process (05, 07, their tests) name theirs with `uniqueName` instead of relying on tfjs's choice.
 */

let names = 0;

/** `base_N`, unique in this process. */
export function uniqueName(base: string): string {
  names += 1;
  return `${base}_${String(names)}`;
}
