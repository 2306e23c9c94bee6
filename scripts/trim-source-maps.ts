// Keeps in each source map only the mappings into the project's own code (src/). Node, with
// --enable-source-maps, reads and keeps every loaded module's map for the life of the process;
// the dependencies' mappings are about 95% of the bundle's (some 35 MB of RSS when loaded, measured
// in docs/performance.md § Footprint). Frames in our code still name src/ files and lines; frames
// inside a dependency show the bundle's file and line instead of the package's.
import { readFileSync, writeFileSync } from 'node:fs';
import { decode, encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec';

interface SourceMapV3 {
  version: 3;
  sources: string[];
  names?: string[];
  mappings: string;
  sourcesContent?: (string | null)[];
  [key: string]: unknown;
}

/** The map with only the segments whose source `keep` accepts; sources and names renumbered. */
export function trimSourceMap(map: SourceMapV3, keep: (source: string) => boolean): SourceMapV3 {
  const sourceIndex = new Map<number, number>();
  const nameIndex = new Map<number, number>();
  const sources: string[] = [];
  const names: string[] = [];
  const lines = decode(map.mappings).map((line) =>
    line.flatMap((seg): SourceMapSegment[] => {
      if (seg.length === 1) return [];
      const [col, src, origLine, origCol] = seg;
      const source = map.sources[src];
      if (source === undefined || !keep(source)) return [];
      let s = sourceIndex.get(src);
      if (s === undefined) {
        s = sources.push(source) - 1;
        sourceIndex.set(src, s);
      }
      if (seg.length === 4) return [[col, s, origLine, origCol]];
      const name = map.names?.[seg[4]];
      if (name === undefined) return [[col, s, origLine, origCol]];
      let n = nameIndex.get(seg[4]);
      if (n === undefined) {
        n = names.push(name) - 1;
        nameIndex.set(seg[4], n);
      }
      return [[col, s, origLine, origCol, n]];
    }),
  );
  const { sourcesContent: _dropped, ...rest } = map;
  return { ...rest, sources, names, mappings: encode(lines) };
}

/** Rewrites each .map file in place, keeping mappings into sources that do not pass through node_modules. */
export function trimSourceMapFiles(files: string[]): void {
  for (const file of files) {
    const map = JSON.parse(readFileSync(file, 'utf8')) as SourceMapV3;
    writeFileSync(file, JSON.stringify(trimSourceMap(map, (source) => !source.includes('node_modules/'))));
  }
}
