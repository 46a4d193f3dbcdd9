/**
 * What the file permissions of the kit mean for a grading session: folders the run users need but
 * cannot reach, and (without a mount namespace to hide them) folders they can read but must not.
 * Warnings for the report's notes, never errors: the instructor decides.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runUserCanRead, type Sandbox } from './sandbox.ts';

export function permissionWarnings(root: string, sandbox: Sandbox, runUid: number | undefined): string[] {
  const notes: string[] = [];
  for (const d of ['node_modules', 'data']) {
    const p = path.join(root, d);
    if (fs.existsSync(p) && !runUserCanRead(fs.realpathSync(p), runUid)) {
      notes.push(`WARNING: ${fs.realpathSync(p)} is out of the run users' reach (a parent folder is private), so the tests cannot use it: chmod o+x its parent folders, or keep the kit elsewhere`);
    }
  }
  if (!sandbox.namespaces) {
    // Without a mount namespace nothing hides the kit's files: the run user reads what "others" may read.
    for (const d of ['solutions', 'grading', 'out']) {
      const p = path.join(root, d);
      if (fs.existsSync(p) && (fs.statSync(p).mode & 0o005) !== 0) {
        notes.push(`WARNING: ${p} is readable by other users, so by the tests' user too: chmod -R go-rwx ${p} (Gradescope's setup.sh does this for grading/; its package has no solutions/)`);
      }
    }
  }
  return notes;
}
