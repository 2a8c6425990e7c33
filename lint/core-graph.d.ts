// Types for core-graph.js.
export declare function coreImportGraph(
  root: string,
  options?: { withTests?: boolean },
): { edges: Map<string, string[]>; graph: Map<string, Set<string>> };
