// Types for core-layers.js (plain JS so that eslint.config.js loads it without a build step).
export declare const CORE_LAYERS: Readonly<Record<string, readonly string[]>>;
export declare function coreTier(folder: string): 'foundation' | 'domain' | 'composition root' | 'transport' | 'unlisted';
export declare function coreFolderOf(rel: string): string | null;
export declare function isTestFile(rel: string): boolean;
export declare function coreLayerVerdict(fromFolder: string, toFolder: string): string | null;
export declare function cycles(graph: Map<string, Set<string>>): string[][];
export declare function tableGraph(): Map<string, Set<string>>;
