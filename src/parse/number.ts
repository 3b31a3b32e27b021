/** The number grammar every parser shares, as regex sources to build patterns from. */

/** A decimal float: optional sign, digits with an optional point, optional exponent (`-1.5`, `.5`, `1e3`). */
export const DECIMAL = String.raw`[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?`;

/** An unsigned decimal, the fraction optional (`15`, `0.5`): durations, ping's statistics. */
export const UNSIGNED_DECIMAL = String.raw`\d+(?:\.\d+)?`;
