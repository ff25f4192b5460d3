/**
 * `file:` URIs exactly as MLflow writes them: `pathlib.Path(os.path.abspath(p)).as_uri()`, which
 * percent-encodes every UTF-8 byte outside `A-Z a-z 0-9 _ . - ~ /` (urllib's `quote`), and read
 * back the way `local_file_uri_to_path` does (take the URI's path, percent-decode it).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const UNRESERVED = /[A-Za-z0-9_.\-~/]/;

function quote(p: string): string {
  let out = '';
  for (const ch of p) {
    if (UNRESERVED.test(ch)) {
      out += ch;
    } else {
      for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/** Absolute local path → `file:///...` URI, byte-for-byte as Python's `Path.as_uri()` on POSIX. */
export function pathToFileUri(p: string): string {
  if (!path.isAbsolute(p)) throw new TypeError(`pathToFileUri: '${p}' is not an absolute path`);
  const abs = path.normalize(p);
  if (process.platform === 'win32') {
    // pathlib on Windows: file:///C:/dir/file (drive kept, rest quoted)
    const fwd = abs.replace(/\\/g, '/');
    const m = /^([A-Za-z]:)(.*)$/.exec(fwd);
    if (m) return `file:///${m[1]}${quote(m[2] ?? '')}`;
    return `file:${quote(fwd)}`; // UNC: //server/share/... → file://server/share/...
  }
  return `file://${quote(abs)}`;
}

/** `file:` URI → local path. Accepts `file:///abs`, `file://localhost/abs` and `file:/abs`. */
export function fileUriToPath(uri: string): string {
  return fileURLToPath(new URL(uri));
}
