/** mmx's npm package name and version, read once from package.json. */
import { readFileSync } from 'node:fs';

const pkg = ((): { name?: string; version?: string; engines?: { node?: string } } => {
  try {
    return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      name?: string;
      version?: string;
      engines?: { node?: string };
    };
  } catch {
    return {};
  }
})();

export const MMX_VERSION: string = pkg.version ?? '0.0.0';

/** The npm package (`mmx-ml`: `mmx` on npm is an unrelated package); its command is `mmx`. */
export const MMX_PACKAGE: string = pkg.name ?? 'mmx-ml';

/** The Node versions mmx supports (package.json `engines.node`). */
export const MMX_NODE_RANGE: string = pkg.engines?.node ?? '>=20';
