/**
 * Turns the error thrown while importing `@tensorflow/tfjs-node` or `-node-gpu` into one sentence a
 * person can act on. The native packages fail in three distinct ways, each with its own fix.
 */
export function describeLoadError(pkg: string, err: unknown): string {
  const message = errorMessage(err);
  const code = errorCode(err);
  const firstLine = message.split('\n')[0] ?? message;

  if (isMissingPackage(pkg, code, message)) {
    if (!isNative(pkg)) return `${pkg} is not installed although the kit depends on it; run \`npm ci\``;
    return (
      `${pkg} is not installed — its installer downloads libtensorflow, so npm drops it where that ` +
      `download fails; run \`npm install ${pkg}\` on a machine that can reach storage.googleapis.com`
    );
  }
  if (isMissingBinding(code, message)) {
    return (
      `${pkg} is installed but its native binding is missing (${firstLine}) — its install script, ` +
      `which downloads libtensorflow, did not run or failed (npm 11 runs it only when package.json ` +
      `"allowScripts" lists the package); run \`npm rebuild ${pkg}\` where the download host is reachable`
    );
  }
  if (code === 'ERR_DLOPEN_FAILED' || /cannot open shared object|dlopen|\.so(\.\d+)*\b/i.test(message)) {
    const cuda = pkg.endsWith('-gpu')
      ? '; for the GPU package this usually means CUDA 11.2 and cuDNN 8.1 are not on LD_LIBRARY_PATH'
      : '';
    return (
      `${pkg} is installed but its native library failed to load (${firstLine})${cuda}; ` +
      `reinstall with \`npm rebuild ${pkg}\``
    );
  }
  return `${pkg} failed to load: ${firstLine}`;
}

function isNative(pkg: string): boolean {
  return pkg.startsWith('@tensorflow/tfjs-node');
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = err.code;
  return typeof code === 'string' ? code : undefined;
}

/** Node says "Cannot find module 'pkg'" (require) or "Cannot find package 'pkg'" (import). */
function isMissingPackage(pkg: string, code: string | undefined, message: string): boolean {
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return false;
  return message.includes(`'${pkg}'`) || message.includes(`'${pkg}/`) || message.includes(`/${pkg}/package.json`);
}

/** The package resolved, but the `.node` addon it requires is absent. */
function isMissingBinding(code: string | undefined, message: string): boolean {
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && /\.node\b/.test(message);
}
