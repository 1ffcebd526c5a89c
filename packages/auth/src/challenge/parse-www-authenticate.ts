import { InvalidHeaderError } from "@stevedore/core";

/** One challenge of a `WWW-Authenticate` header (RFC 7235 §2.1, `spec/PROTOCOL.md` §11.1). */
export interface Challenge {
  /** The auth scheme in lower case (`bearer`, `basic`): scheme names are case-insensitive. */
  scheme: string;
  /** The `key=value` parameters, keys in lower case, quoted values unescaped. */
  parameters: Readonly<Record<string, string>>;
  /** The token68 form (`Negotiate abc==`) when the challenge uses it instead of parameters. */
  token68?: string;
}

const header = "WWW-Authenticate";
const tchar = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const token68char = /[A-Za-z0-9\-._~+/]/;
// Unquoted parameter values should be tokens, but registries send `realm=https://…` unquoted: accept any
// visible character that cannot end the value.
const looseValueChar = /[\x21\x23-\x2b\x2d-\x7e\x80-\uffff]/;

/**
 * Parses every `WWW-Authenticate` value of a response into its challenges, in order. A value may hold several
 * challenges and a response several values; quoted strings may contain commas and `\` escapes.
 *
 * @throws InvalidHeaderError when a value does not follow the RFC 7235 grammar.
 * @example
 * parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io"');
 * // → [{ scheme: "bearer", parameters: { realm: "https://auth.docker.io/token", service: "registry.docker.io" } }]
 */
export function parseWwwAuthenticate(values: string | readonly string[]): Challenge[] {
  const list = typeof values === "string" ? [values] : values;
  const challenges: Challenge[] = [];
  for (const value of list) challenges.push(...parseValue(value));
  return challenges;
}

function parseValue(input: string): Challenge[] {
  let position = 0;
  const challenges: Challenge[] = [];
  const fail = (reason: string): never => {
    throw new InvalidHeaderError(header, `${reason} at character ${position + 1}`);
  };
  const skipSpace = (): void => {
    while (input[position] === " " || input[position] === "\t") position++;
  };
  const skipSeparators = (): void => {
    while (input[position] === " " || input[position] === "\t" || input[position] === ",") position++;
  };
  const readWhile = (pattern: RegExp): string => {
    const start = position;
    while (position < input.length && pattern.test(input[position] as string)) position++;
    return input.slice(start, position);
  };
  const atEnd = (): boolean => position >= input.length;
  const readQuoted = (): string => {
    position++; // opening quote
    let value = "";
    for (;;) {
      const char = input[position];
      if (char === undefined) return fail("unterminated quoted string");
      position++;
      if (char === '"') return value;
      if (char === "\\") {
        const escaped = input[position];
        if (escaped === undefined || !isQuotedTextChar(escaped))
          return fail("invalid escape in quoted string");
        value += escaped;
        position++;
      } else if (isQuotedTextChar(char)) {
        value += char;
      } else {
        return fail("control character in quoted string");
      }
    }
  };
  // Looks ahead for `token BWS "="`, which starts a parameter rather than a new challenge.
  const parameterFollows = (): boolean => {
    const start = position;
    const name = readWhile(tchar);
    skipSpace();
    const result = name !== "" && input[position] === "=";
    position = start;
    return result;
  };
  const readToken68 = (): string | undefined => {
    const start = position;
    const value = readWhile(token68char) + readWhile(/=/);
    const end = position;
    skipSpace();
    if (value !== "" && !value.startsWith("=") && (atEnd() || input[position] === ",")) {
      position = end;
      return value;
    }
    position = start;
    return undefined;
  };

  skipSeparators();
  while (!atEnd()) {
    const scheme = readWhile(tchar);
    if (scheme === "") fail("expected an auth scheme");
    const challenge: Challenge = { scheme: scheme.toLowerCase(), parameters: {} };
    // A null prototype, so a `__proto__` parameter is stored like any other name.
    const parameters: Record<string, string> = Object.create(null);
    challenges.push(challenge);
    if (!atEnd() && input[position] !== "," && input[position] !== " " && input[position] !== "\t") {
      fail("expected a space after the auth scheme");
    }
    skipSpace();
    const token68 = atEnd() || input[position] === "," ? undefined : readToken68();
    if (token68 !== undefined) {
      challenge.token68 = token68;
    } else {
      for (;;) {
        // `#auth-param` allows empty list elements, so a comma may come before the next parameter.
        if (input[position] === ",") {
          const comma = position;
          skipSeparators();
          if (atEnd() || !parameterFollows()) {
            position = comma;
            break;
          }
        }
        if (atEnd()) break;
        const name = readWhile(tchar).toLowerCase();
        if (name === "") fail("expected a parameter name");
        skipSpace();
        if (input[position] !== "=") fail(`expected "=" after parameter ${JSON.stringify(name)}`);
        position++;
        skipSpace();
        let value: string;
        if (input[position] === '"') value = readQuoted();
        else {
          value = readWhile(looseValueChar);
          if (value === "") fail(`expected a value for parameter ${JSON.stringify(name)}`);
        }
        // RFC 7235: a parameter name occurs once per challenge; keep the first if a server repeats one.
        if (!Object.hasOwn(parameters, name)) parameters[name] = value;
        skipSpace();
        if (atEnd()) break;
        if (input[position] !== ",") fail("expected a comma between parameters");
      }
      challenge.parameters = parameters;
    }
    skipSeparators();
  }
  return challenges;
}

function isQuotedTextChar(char: string): boolean {
  const code = char.charCodeAt(0);
  return code === 0x09 || (code >= 0x20 && code !== 0x7f);
}
