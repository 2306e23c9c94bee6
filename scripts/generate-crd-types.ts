// Writes src/crds/generated.ts and the JSON Schemas in schemas/ (scripts/crd-json-schema.ts) from
// deploy/crds/*.yaml (the source of truth).
//   node scripts/generate-crd-types.ts            regenerate
//   node scripts/generate-crd-types.ts --check    exit 1 when either is out of date (CI)
// --crds <dir> and --out <file> override the paths (used by the unit test; schemas are then left alone).
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCrdTypes, firstDifference } from './crd-codegen.ts';
import { crdJsonSchemas } from './crd-json-schema.ts';
import { readCrdFiles } from '../src/crd-files.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  const value = i >= 0 ? args[i + 1] : undefined;
  return value ? resolve(value) : fallback;
}

function main(args: string[]): number {
  const crdsDir = option(args, '--crds', join(root, 'deploy/crds'));
  const outFile = option(args, '--out', join(root, 'src/crds/generated.ts'));
  const files = readCrdFiles(crdsDir);
  if (files.length === 0) {
    console.error(`no CRD YAML files in ${crdsDir}`);
    return 2;
  }
  const source = generateCrdTypes(files);
  const shown = relative(process.cwd(), outFile) || outFile;
  const schemas = args.includes('--crds') ? new Map<string, string>() : crdJsonSchemas(files.map((f) => f.text));
  const read = (f: string): string => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  const staleSchemas = [...schemas].filter(([rel, text]) => read(join(root, rel)) !== text).map(([rel]) => rel);
  if (args.includes('--check') && staleSchemas.length > 0) {
    console.error(`out of date with deploy/crds/*.yaml: ${staleSchemas.join(', ')}`);
    console.error('Run `npm run crds:generate` and commit the result.');
    return 1;
  }
  for (const rel of args.includes('--check') ? [] : staleSchemas) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), schemas.get(rel)!);
    console.log(`wrote ${rel}`);
  }
  if (args.includes('--check')) {
    const current = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
    if (current === source) {
      console.log(`${shown} is up to date with ${files.length} CRDs`);
      return 0;
    }
    console.error(`${shown} is out of date with ${relative(process.cwd(), crdsDir) || crdsDir}/*.yaml.`);
    console.error(`First difference at ${firstDifference(source, current)}`);
    console.error('Run `npm run crds:generate` and commit the result.');
    return 1;
  }
  writeFileSync(outFile, source);
  console.log(`wrote ${shown} from ${files.length} CRDs`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 2;
}
