import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The folder rules are lint rules; this proves they bite, so a broken config cannot pass silently.
const eslint = new ESLint();
const ruleHits = async (filePath: string, code: string) => {
  const [res] = await eslint.lintText(code, { filePath });
  return (res?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').length;
};

describe('layering rules', () => {
  it('forbid common/ from importing Node, native/, renderer/', async () => {
    expect(await ruleHits('common/x.ts', "import { readFile } from 'node:fs';\nexport const a = readFile;\n")).toBe(1);
    expect(await ruleHits('common/x.ts', "import { startHost } from '../native/host/start';\nexport const a = startHost;\n")).toBe(1);
    expect(await ruleHits('common/x.ts', "import { z } from 'zod';\nexport const a = z;\n")).toBe(0);
  });
  it('forbid renderer/ from importing native/ or electron', async () => {
    expect(await ruleHits('renderer/x.ts', "import { startHost } from '../native/host/start';\nexport const a = startHost;\n")).toBe(1);
    expect(await ruleHits('renderer/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toBe(1);
  });
  it('forbid native/ from importing electron', async () => {
    expect(await ruleHits('native/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toBe(1);
  });
  it('let electron/ import only the host of native/', async () => {
    expect(await ruleHits('electron/x.ts', "import { startHost } from '../native/host/start';\nexport const a = startHost;\n")).toBe(0);
    expect(await ruleHits('electron/x.ts', "import { loadSiteFile } from '../native/site/load';\nexport const a = loadSiteFile;\n")).toBe(1);
  });
});
