/**
 * Where the config is when no `-c FILE` is given: cosmiconfig's search for module `pushagent` in
 * the working directory (SEARCH_PLACES, the first that holds more than blanks), then in the user's
 * config folder ($XDG_CONFIG_HOME/pushagent or ~/.config/pushagent). Only YAML and JSON places:
 * the text is parsed by pushagent itself (yaml-source.ts) to keep positions, and a config is data,
 * never code, so cosmiconfig's .js/.ts places are not searched.
 *
 * cosmiconfig's Explorer is used rather than its cosmiconfig() factory, because the factory also
 * applies the "meta config" of the process' working directory (a `cosmiconfig` key in
 * package.json, or .config/config.*), which may replace the search places or run
 * .config/config.js. The options are the factory's, without that.
 */
import path from 'node:path';
import { Explorer } from 'cosmiconfig/dist/Explorer.js';
import type { Problem } from '../errors.js';
import { readTextFile, refusal, type Refusal } from './text-file.js';

export const SEARCH_PLACES = [
  'pushagent.config.yaml',
  'pushagent.config.yml',
  '.pushagentrc',
  '.pushagentrc.yaml',
  '.pushagentrc.yml',
  'package.json',
  '.pushagentrc.json',
  '.config/pushagentrc',
  '.config/pushagentrc.json',
  '.config/pushagentrc.yaml',
  '.config/pushagentrc.yml',
];

/** In the user's config folder, as cosmiconfig's global search. */
export const USER_PLACES = ['config', 'config.yaml', 'config.yml', 'config.json'];

export interface FoundConfig {
  readonly file: string;
  readonly text: string;
  /** package.json: the config is the value of this key. */
  readonly key?: string;
}

/** The config found, if any, and the places before it that could not be read safely. */
export async function findConfig(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
  display: (f: string) => string,
): Promise<{ found?: FoundConfig; problems: Problem[] }> {
  const userDir = env.XDG_CONFIG_HOME
    ? path.join(env.XDG_CONFIG_HOME, 'pushagent')
    : env.HOME
      ? path.join(env.HOME, '.config', 'pushagent')
      : undefined;
  const dirs: [string, readonly string[]][] = [
    [cwd, SEARCH_PLACES],
    ...(userDir ? [[userDir, USER_PLACES] as [string, readonly string[]]] : []),
  ];
  const problems: Problem[] = [];
  for (const [dir, places] of dirs) {
    // Only regular files within the limit go to cosmiconfig, which reads with readFile (a FIFO
    // would hang it); the others are problems if nothing before them is the config.
    const checked = await Promise.all(
      places.map(async (place) => ({ place, refused: await refusal(path.join(dir, place)) })),
    );
    const readable = checked.filter((c) => c.refused === undefined).map((c) => c.place);
    const found = readable.length === 0 ? undefined : await search(dir, readable, display);
    if (found && 'problem' in found) return { problems: [...problems, found.problem] };
    const before = found ? places.indexOf(path.relative(dir, found.file)) : places.length;
    for (const { place, refused } of checked.slice(0, before)) {
      if (refused && refused.code === 'refused') problems.push(placeProblem(display(path.join(dir, place)), refused));
    }
    if (found && found.text.includes('\ufffd')) {
      // cosmiconfig decodes leniently: U+FFFD may stand for bytes that are not UTF-8.
      const strict = await readTextFile(found.file);
      if (!strict.ok)
        return {
          problems: [
            ...problems,
            { file: display(found.file), ...(strict.line && { line: strict.line, col: 1 }), message: strict.message },
          ],
        };
    }
    if (found) return { found, problems };
  }
  return { problems };
}

function placeProblem(file: string, refused: Refusal): Problem {
  return { file, message: `cannot read the config file: ${refused.message}` };
}

async function search(
  dir: string,
  places: readonly string[],
  display: (f: string) => string,
): Promise<FoundConfig | { problem: Problem } | undefined> {
  const texts = new Map<string, string>();
  const text = (filepath: string, content: string): string => {
    texts.set(filepath, content);
    return content;
  };
  const explorer = new Explorer({
    moduleName: 'pushagent',
    searchPlaces: places,
    searchStrategy: 'none',
    ignoreEmptySearchPlaces: true,
    cache: false,
    metaConfigFilePath: null,
    mergeImportArrays: true,
    mergeSearchPlaces: true,
    transform: (result) => result,
    loaders: {
      noExt: text,
      '.yaml': text,
      '.yml': text,
      // package.json as data, so that cosmiconfig can look for its `pushagent` key; other JSON as text.
      '.json': (filepath: string, content: string): unknown =>
        path.basename(filepath) === 'package.json' ? JSON.parse(text(filepath, content)) : text(filepath, content),
    },
  });
  try {
    const result = await explorer.search(dir);
    if (!result) return undefined;
    const key = path.basename(result.filepath) === 'package.json' ? 'pushagent' : undefined;
    return { file: result.filepath, text: texts.get(result.filepath) ?? '', ...(key && { key }) };
  } catch (err) {
    const file = (err as { filepath?: string }).filepath;
    if (file === undefined || !(err instanceof SyntaxError)) throw err;
    return { problem: { file: display(file), message: `invalid JSON: ${err.message.split('\n')[0]}` } };
  }
}
