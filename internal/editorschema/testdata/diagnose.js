// diagnose.js: runs the editors' own schema checks over entity files, as
// VS Code's JSON language service and the YAML language server would while
// the files are open, and prints one line per diagnostic:
//   <file>:<line>: <message>
// Usage: node diagnose.js FILE=SCHEMA...   (files ending .json use the JSON
// language service, .yml/.yaml the YAML language server). The packages are
// found in the node_modules directory named by PORT_GITOPS_LSP_DIR; each
// schema is associated with its file by name, as editor settings would.
'use strict';
const fs = require('fs');
const path = require('path');
const { pathToFileURL, fileURLToPath } = require('url');

const lspDir = process.env.PORT_GITOPS_LSP_DIR;
if (!lspDir) {
  console.error('PORT_GITOPS_LSP_DIR is not set');
  process.exit(2);
}
const mod = (name) => require(path.join(lspDir, 'node_modules', name));
const json = mod('vscode-json-languageservice');
const yaml = mod('yaml-language-server/lib/umd/languageservice/yamlLanguageService.js');
const { TextDocument } = mod('vscode-languageserver-textdocument');

// Schemas are read from disk only (no network): what the test exported.
const readSchema = (uri) => {
  if (!uri.startsWith('file:')) return Promise.reject(new Error('not loading ' + uri));
  return Promise.resolve(fs.readFileSync(fileURLToPath(uri), 'utf8'));
};
const workspaceContext = { resolveRelativePath: (rel, resource) => new URL(rel, resource).href };

async function main() {
  const pairs = process.argv.slice(2).map((a) => a.split('='));
  const schemas = pairs.map(([file, schema]) => ({
    uri: pathToFileURL(path.resolve(schema)).href,
    fileMatch: ['*/' + path.basename(file)],
  }));
  const files = pairs.map(([file]) => file);
  const jsonLS = json.getLanguageService({ schemaRequestService: readSchema, workspaceContext });
  jsonLS.configure({ validate: true, allowComments: false, schemas });
  const yamlLS = yaml.getLanguageService({ schemaRequestService: readSchema, workspaceContext });
  yamlLS.configure({ validate: true, completion: true, hover: true, schemas });
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const uri = pathToFileURL(path.resolve(file)).href;
    let diags;
    if (file.endsWith('.json')) {
      const doc = TextDocument.create(uri, 'json', 1, text);
      diags = await jsonLS.doValidation(doc, jsonLS.parseJSONDocument(doc));
    } else {
      const doc = TextDocument.create(uri, 'yaml', 1, text);
      diags = await yamlLS.doValidation(doc, false);
    }
    for (const d of diags) {
      console.log(`${path.basename(file)}:${d.range.start.line + 1}: ${d.message.replace(/\s+/g, ' ')}`);
    }
  }
}
main().then(() => process.exit(0)).catch((e) => { console.error(e && e.stack || e); process.exit(3); });
