import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { validateSite, type SiteConfig, type SiteIssue } from '../../common/site';

/** A site file that cannot be used; `issues` lists every problem with its path. */
export class SiteLoadError extends Error {
  constructor(
    readonly file: string,
    readonly issues: SiteIssue[],
  ) {
    super(`site file ${file} is not valid:\n` + issues.map((i) => `  ${i.path}: ${i.message}`).join('\n'));
    this.name = 'SiteLoadError';
  }
}

/** Parses site text (JSON or YAML) and validates it. `name` is used in messages only. */
export function parseSiteText(text: string, name: string): SiteConfig {
  let raw: unknown;
  const ext = extname(name).toLowerCase();
  if (ext === '.json') {
    try {
      raw = JSON.parse(text) as unknown;
    } catch (e) {
      throw new SiteLoadError(name, [{ path: '(file)', message: `not valid JSON: ${(e as Error).message}` }]);
    }
  } else {
    // YAML is a superset of JSON, so anything that is not .json goes through the YAML parser.
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length) {
      throw new SiteLoadError(
        name,
        doc.errors.map((e) => ({
          path: e.linePos ? `(line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '(file)',
          message: e.message.split('\n')[0] ?? e.message,
        })),
      );
    }
    try {
      // An unknown alias, or an alias bomb, only shows when the document is turned into values.
      raw = doc.toJS({ maxAliasCount: 1000 }) as unknown;
    } catch (e) {
      throw new SiteLoadError(name, [{ path: '(file)', message: `YAML cannot be read: ${(e as Error).message.split('\n')[0]}` }]);
    }
  }
  const result = validateSite(raw);
  if (!result.ok) throw new SiteLoadError(name, result.issues);
  return result.site;
}

/** Reads and validates a site file; throws SiteLoadError listing every problem. */
export async function loadSiteFile(file: string): Promise<SiteConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SiteLoadError(file, [{ path: '(file)', message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }]);
  }
  return parseSiteText(text, file);
}
