// Loads the page modules of static/ (ES modules named *.js) into Node for the
// unit tests, without a build step and without a package.json in static/
// (nginx serves that folder as it is, so anything put there is served too).
//
// Node decides whether a .js file is an ES module by the nearest package.json
// ("type": "module"); Debian 12's node 18 has no other way without flags.
// So each test process copies the .js files of static/ once into a temporary
// folder that has such a package.json, and imports them from there: the same
// bytes the browsers get, the same relative imports between them.

import { mkdirSync, mkdtempSync, readdirSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const STATIC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'static');

function copyModules(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (entry.isDirectory()) {
      copyModules(source, to);
    } else if (entry.name.endsWith('.js')) {
      const target = join(to, relative(STATIC, source));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(source, target);
    }
  }
}

const root = mkdtempSync(join(tmpdir(), 'switchboard-js-'));
writeFileSync(join(root, 'package.json'), '{"type": "module"}\n');
copyModules(STATIC, root);
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

/** Imports static/`path` (e.g. "js/api.js"). */
export function load(path) {
  return import(pathToFileURL(join(root, path)).href);
}
