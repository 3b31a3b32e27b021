/** cosmiconfig's Explorer, which its package exports but does not type (find-config.ts says why it is used). */
declare module 'cosmiconfig/dist/Explorer.js' {
  import type { CosmiconfigResult, Loaders, SearchStrategy, Transform } from 'cosmiconfig';

  export interface ExplorerOptions {
    readonly moduleName: string;
    readonly searchPlaces: readonly string[];
    readonly searchStrategy: SearchStrategy;
    readonly ignoreEmptySearchPlaces: boolean;
    readonly cache: boolean;
    readonly metaConfigFilePath: null;
    readonly mergeImportArrays: boolean;
    readonly mergeSearchPlaces: boolean;
    readonly transform: Transform;
    readonly loaders: Partial<Loaders>;
  }

  export class Explorer {
    constructor(options: ExplorerOptions);
    search(from?: string): Promise<CosmiconfigResult>;
  }
}
