// IAM's wildcard patterns: `*` matches any run of characters (`/` and `:` included), `?` one
// character, and under policy Version 2012-10-17 `${key}` stands for a request value (a policy
// variable) that matches itself literally, `*` and `?` included. Matching is linear in practice
// (one backtrack point, O(pattern × text) at worst), so no policy can make a request slow.

/** A request value source for policy variables: the values of a lower-cased condition key. */
export type VariableSource = (lowerCaseKey: string) => string[] | undefined;

type Token =
  | { kind: 'text'; text: string }
  | { kind: 'star' }
  | { kind: 'one' }
  | { kind: 'variable'; key: string; fallback?: string };

export interface Pattern {
  readonly source: string;
  readonly tokens: Token[];
  /** Precomputed units when the pattern has no variables (the common case). */
  readonly units?: Unit[];
}

const STAR = -1;
const ANY_ONE = -2;
/** A literal UTF-16 code unit (≥ 0), or STAR / ANY_ONE. */
type Unit = number;

const VARIABLE_PATTERN = /\$\{([^}]*)\}/g;
/** `${*}`, `${?}`, `${$}` stand for the characters themselves (IAM's escapes). */
const ESCAPED_CHARACTERS: Record<string, string> = { '*': '*', '?': '?', $: '$' };

function pushText(tokens: Token[], text: string, wildcards: boolean): void {
  if (!wildcards) {
    if (text !== '') tokens.push({ kind: 'text', text });
    return;
  }
  let run = '';
  for (const character of text) {
    if (character === '*' || character === '?') {
      if (run !== '') tokens.push({ kind: 'text', text: run });
      run = '';
      tokens.push({ kind: character === '*' ? 'star' : 'one' });
    } else {
      run += character;
    }
  }
  if (run !== '') tokens.push({ kind: 'text', text: run });
}

/** Parses `${key}` or `${key, 'default'}`; undefined when the text is no variable reference. */
function parseVariable(inner: string): Token | undefined {
  const escaped = ESCAPED_CHARACTERS[inner];
  if (escaped !== undefined) return { kind: 'text', text: escaped };
  const match = /^\s*([A-Za-z0-9:_\-/.]+)\s*(?:,\s*'([^']*)'\s*)?$/.exec(inner);
  if (match === null) return undefined;
  return { kind: 'variable', key: match[1]!.toLowerCase(), fallback: match[2] };
}

/**
 * Compiles a pattern. `wildcards`: `*` and `?` are wildcards (false for exact comparisons such as
 * StringEquals). `variables`: `${…}` are policy variables (Version 2012-10-17 only).
 */
export function compilePattern(source: string, options: { wildcards: boolean; variables: boolean; ignoreCase?: boolean }): Pattern {
  const text = options.ignoreCase === true ? source.toLowerCase() : source;
  const tokens: Token[] = [];
  let position = 0;
  if (options.variables) {
    for (const match of text.matchAll(VARIABLE_PATTERN)) {
      const variable = parseVariable(match[1]!);
      if (variable === undefined) continue;
      pushText(tokens, text.slice(position, match.index), options.wildcards);
      tokens.push(variable);
      position = match.index! + match[0].length;
    }
  }
  pushText(tokens, text.slice(position), options.wildcards);
  const hasVariables = tokens.some((token) => token.kind === 'variable');
  return { source, tokens, units: hasVariables ? undefined : toUnits(tokens, () => undefined, false)! };
}

/** The pattern's units with variables replaced by their (single) request value; undefined when one has none. */
function toUnits(tokens: Token[], variables: VariableSource, ignoreCase: boolean): Unit[] | undefined {
  const units: Unit[] = [];
  for (const token of tokens) {
    if (token.kind === 'star') units.push(STAR);
    else if (token.kind === 'one') units.push(ANY_ONE);
    else {
      let text: string;
      if (token.kind === 'text') {
        text = token.text;
      } else {
        const values = variables(token.key);
        // A variable stands for a single value; a key with none (or many) matches nothing.
        const value = values !== undefined && values.length === 1 ? values[0]! : token.fallback;
        if (value === undefined) return undefined;
        text = ignoreCase ? value.toLowerCase() : value;
      }
      for (let index = 0; index < text.length; index += 1) units.push(text.charCodeAt(index));
    }
  }
  return units;
}

/** Whether `text` matches the pattern (compiled with the same ignoreCase as given here). */
export function matchesPattern(pattern: Pattern, text: string, variables: VariableSource = () => undefined, ignoreCase = false): boolean {
  const units = pattern.units ?? toUnits(pattern.tokens, variables, ignoreCase);
  if (units === undefined) return false;
  const subject = ignoreCase ? text.toLowerCase() : text;
  let unitIndex = 0;
  let textIndex = 0;
  let starUnitIndex = -1;
  let starTextIndex = 0;
  while (textIndex < subject.length) {
    const unit = unitIndex < units.length ? units[unitIndex]! : undefined;
    if (unit !== undefined && (unit === ANY_ONE || unit === subject.charCodeAt(textIndex))) {
      unitIndex += 1;
      textIndex += 1;
    } else if (unit === STAR) {
      starUnitIndex = unitIndex;
      starTextIndex = textIndex;
      unitIndex += 1;
    } else if (starUnitIndex >= 0) {
      unitIndex = starUnitIndex + 1;
      starTextIndex += 1;
      textIndex = starTextIndex;
    } else {
      return false;
    }
  }
  while (unitIndex < units.length && units[unitIndex] === STAR) unitIndex += 1;
  return unitIndex === units.length;
}

/** Whether the pattern has any wildcard or variable (a "fixed" value has none). */
export function isFixedPattern(pattern: Pattern): boolean {
  return pattern.tokens.every((token) => token.kind === 'text');
}
