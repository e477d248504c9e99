/**
 * A synchronous evaluator for the plain subset of JSONata that gear configs mostly are: field paths,
 * literals, object constructors, comparisons, arithmetic, `and`/`or`, `&`, and a few functions
 * ($number, $string, $substring, $merge, $exists, $lowercase, $uppercase, $length, $boolean, $not).
 *
 * Why: jsonata 2.x evaluates every AST node in an async function, so one small expression makes dozens
 * of promises; three of them per message were ~45 µs of a pipeline's CPU (bench/pipeline/README.md).
 * This evaluator runs the same AST in plain calls.
 *
 * It must never answer differently from jsonata. So it compiles only node kinds it implements, with no
 * extra properties on them (predicates, grouping, focus… make it decline), and at run time it gives up
 * (throws GIVE_UP) on anything outside what it handles — arrays, non-plain objects, values that would
 * make jsonata raise an error, non-finite numbers — and the caller evaluates with jsonata instead,
 * which then returns its result or raises its own error. Differential tests hold it to jsonata.
 */
import type { ExpressionInput } from './expression.ts';

/** Thrown when a value leaves the subset; the caller falls back to jsonata. Preallocated: no stack. */
export const GIVE_UP: unique symbol = Symbol('jsonata fast path gave up');

/** A compiled node: the value of the expression for `input` (the message data) and its envelope. */
type Evaluator = (input: unknown, envelope: ExpressionInput) => unknown;

/** A JSONata AST node as `jsonata(source).ast()` returns it (only the fields read here). */
interface AstNode {
  type: string;
  value?: unknown;
  steps?: AstNode[];
  lhs?: AstNode | AstNode[][];
  rhs?: AstNode;
  expression?: AstNode;
  expressions?: AstNode[];
  arguments?: AstNode[];
  procedure?: AstNode;
}

/** Every property a node of a kind may carry; any other (predicate, group, stages, keepArray…) declines. */
const KEYS: Record<string, ReadonlySet<string>> = {
  literal: new Set(['type', 'value', 'position']),
  path: new Set(['type', 'steps']),
  binary: new Set(['type', 'value', 'position', 'lhs', 'rhs']),
  unary: new Set(['type', 'value', 'position', 'lhs', 'expression', 'expressions']),
  function: new Set(['type', 'value', 'position', 'arguments', 'procedure']),
};

function plainKeys(node: AstNode, kind: keyof typeof KEYS): boolean {
  const allowed = KEYS[kind] as ReadonlySet<string>;
  const record = node as unknown as Record<string, unknown>;
  // The parser leaves some properties present but undefined (`name` on function calls).
  for (const key of Object.keys(node)) if (!allowed.has(key) && record[key] !== undefined) return false;
  return true;
}

/** A synchronous evaluator for `ast`, or undefined when the expression is outside the subset. */
export function compileSync(ast: unknown): ((envelope: ExpressionInput) => unknown) | undefined {
  const root = compile(ast as AstNode);
  if (!root) return undefined;
  return (envelope) => {
    const input = envelope.data;
    // jsonata treats an array input as a sequence: not this evaluator's business.
    if (!isSupported(input)) throw GIVE_UP;
    return root(input, envelope);
  };
}

function compile(node: AstNode): Evaluator | undefined {
  switch (node.type) {
    case 'string':
    case 'number':
    case 'value':
      return literal(node);
    case 'variable':
      return plainKeys(node, 'literal') ? variable(String(node.value)) : undefined;
    case 'path':
      return path(node);
    case 'binary':
      return binary(node);
    case 'unary':
      return unary(node);
    case 'function':
      return call(node);
    default:
      return undefined;
  }
}

function literal(node: AstNode): Evaluator | undefined {
  if (!plainKeys(node, 'literal')) return undefined;
  const value = node.value;
  if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
  return () => value;
}

/** `$` is the input; the envelope fields are the bindings pkg/gear/expression.ts gives jsonata. */
function variable(name: string): Evaluator | undefined {
  switch (name) {
    case '':
      return (input) => input;
    case 'headers':
      return (_input, envelope) => checked(envelope.headers ?? {});
    case 'key':
      return (_input, envelope) => envelope.key;
    case 'subject':
      return (_input, envelope) => envelope.subject;
    case 'type':
      return (_input, envelope) => envelope.type;
    case 'id':
      return (_input, envelope) => envelope.id;
    default:
      return undefined;
  }
}

/** `a.b."c"`, optionally starting at a variable (`$headers.channel`): own properties of plain objects. */
function path(node: AstNode): Evaluator | undefined {
  const steps = node.steps;
  if (!plainKeys(node, 'path') || !steps || steps.length === 0) return undefined;
  const [first, ...rest] = steps as [AstNode, ...AstNode[]];
  let start: Evaluator | undefined;
  if (first.type === 'variable') start = plainKeys(first, 'literal') ? variable(String(first.value)) : undefined;
  else if (first.type === 'name' && plainKeys(first, 'literal')) {
    const key = String(first.value);
    start = (input) => lookup(input, key);
  }
  if (!start) return undefined;
  const names: string[] = [];
  for (const step of rest) {
    if (step.type !== 'name' || !plainKeys(step, 'literal')) return undefined;
    names.push(String(step.value));
  }
  const head = start;
  if (names.length === 0) return head;
  return (input, envelope) => {
    let value = head(input, envelope);
    for (const name of names) value = lookup(value, name);
    return value;
  };
}

/** jsonata's lookup on one non-sequence value: an own property of an object, else nothing. */
function lookup(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  if (!Object.hasOwn(value, key)) return undefined;
  return checked((value as Record<string, unknown>)[key]);
}

/** Values this evaluator reasons about: primitives and plain objects (not arrays, bytes, dates…). */
function isSupported(value: unknown): boolean {
  switch (typeof value) {
    case 'undefined':
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      const prototype = Object.getPrototypeOf(value);
      return (prototype === Object.prototype || prototype === null) && !Array.isArray(value);
    }
    default:
      return false;
  }
}

function checked(value: unknown): unknown {
  if (!isSupported(value)) throw GIVE_UP;
  return value;
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number';
}

function binary(node: AstNode): Evaluator | undefined {
  if (!plainKeys(node, 'binary') || !node.lhs || Array.isArray(node.lhs) || !node.rhs) return undefined;
  const lhs = compile(node.lhs);
  const rhs = compile(node.rhs);
  if (!lhs || !rhs) return undefined;
  switch (node.value) {
    case 'and':
      return (input, envelope) => boolize(lhs(input, envelope)) && boolize(rhs(input, envelope));
    case 'or':
      return (input, envelope) => boolize(lhs(input, envelope)) || boolize(rhs(input, envelope));
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return arithmetic(node.value, lhs, rhs);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return comparison(node.value, lhs, rhs);
    case '=':
    case '!=': {
      const equal = node.value === '=';
      return (input, envelope) => {
        const a = lhs(input, envelope);
        const b = rhs(input, envelope);
        if (a === undefined || b === undefined) return false;
        // Deep equality of objects is jsonata's: leave it to jsonata.
        if ((typeof a === 'object' && a !== null) || (typeof b === 'object' && b !== null)) throw GIVE_UP;
        return (a === b) === equal;
      };
    }
    case '&':
      return (input, envelope) => {
        const a = lhs(input, envelope);
        const b = rhs(input, envelope);
        return (a === undefined ? '' : toText(a)) + (b === undefined ? '' : toText(b));
      };
    default:
      return undefined;
  }
}

function arithmetic(op: '+' | '-' | '*' | '/' | '%', lhs: Evaluator, rhs: Evaluator): Evaluator {
  return (input, envelope) => {
    const a = lhs(input, envelope);
    const b = rhs(input, envelope);
    // jsonata raises T2001/T2002 for a non-number operand, even when the other one is missing.
    if ((a !== undefined && !isNumber(a)) || (b !== undefined && !isNumber(b))) throw GIVE_UP;
    if (a === undefined || b === undefined) return undefined;
    const result = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
    if (!Number.isFinite(result)) throw GIVE_UP;
    return result;
  };
}

function comparison(op: '<' | '<=' | '>' | '>=', lhs: Evaluator, rhs: Evaluator): Evaluator {
  return (input, envelope) => {
    const a = lhs(input, envelope);
    const b = rhs(input, envelope);
    const ta = typeof a;
    const tb = typeof b;
    if ((ta !== 'undefined' && ta !== 'string' && ta !== 'number') || (tb !== 'undefined' && tb !== 'string' && tb !== 'number')) throw GIVE_UP;
    if (a === undefined || b === undefined) return undefined;
    if (ta !== tb) throw GIVE_UP; // jsonata: T2009
    const x = a as number | string;
    const y = b as number | string;
    return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
  };
}

function unary(node: AstNode): Evaluator | undefined {
  if (!plainKeys(node, 'unary')) return undefined;
  if (node.value === '-' && node.expression) {
    const operand = compile(node.expression);
    if (!operand) return undefined;
    return (input, envelope) => {
      const value = operand(input, envelope);
      if (value === undefined) return undefined;
      if (!isNumber(value)) throw GIVE_UP;
      return -value;
    };
  }
  if (node.value === '{' && Array.isArray(node.lhs)) return objectConstructor(node.lhs);
  return undefined; // array constructors only as $merge's argument (see merge())
}

/** `{ "a": expr, … }` with literal keys, on one (non-array) input: properties whose value is missing are left out. */
function objectConstructor(pairs: AstNode[][]): Evaluator | undefined {
  const keys: string[] = [];
  const values: Evaluator[] = [];
  for (const pair of pairs) {
    const [keyNode, valueNode] = pair;
    if (!keyNode || !valueNode || keyNode.type !== 'string' || !plainKeys(keyNode, 'literal')) return undefined;
    const key = String(keyNode.value);
    // Duplicate keys are a jsonata error (D1009); these would not be plain data properties.
    if (keys.includes(key) || key === '__proto__' || key === '_jsonata_lambda' || key === '_jsonata_function') return undefined;
    const value = compile(valueNode);
    if (!value) return undefined;
    keys.push(key);
    values.push(value);
  }
  return (input, envelope) => {
    const result: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const value = (values[i] as Evaluator)(input, envelope);
      if (value !== undefined) result[keys[i] as string] = value;
    }
    return result;
  };
}

/**
 * Functions by name: how many arguments (none may be left for the context) and what they do. Arguments
 * are passed positionally (absent ones undefined), not as an array: no array made per call.
 */
type Apply = (first: unknown, second: unknown, third: unknown) => unknown;
const FUNCTIONS: Record<string, { arity: number; apply: Apply }> = {
  number: { arity: 1, apply: (value) => toNumber(value) },
  string: { arity: 1, apply: (value) => (value === undefined ? undefined : toText(value)) },
  substring: { arity: -1, apply: (text, start, length) => substring(text, start, length) },
  lowercase: { arity: 1, apply: (text) => (text === undefined ? undefined : requireString(text).toLowerCase()) },
  uppercase: { arity: 1, apply: (text) => (text === undefined ? undefined : requireString(text).toUpperCase()) },
  length: { arity: 1, apply: (text) => (text === undefined ? undefined : codePoints(requireString(text))) },
  exists: { arity: 1, apply: (value) => value !== undefined },
  boolean: { arity: 1, apply: (value) => (value === undefined ? undefined : boolize(value)) },
  not: { arity: 1, apply: (value) => (value === undefined ? undefined : !boolize(value)) },
};

function call(node: AstNode): Evaluator | undefined {
  const procedure = node.procedure;
  const args = node.arguments ?? [];
  if (!plainKeys(node, 'function') || node.value !== '(' || !procedure || procedure.type !== 'variable' || !plainKeys(procedure, 'literal')) return undefined;
  const name = String(procedure.value);
  if (name === 'merge') return merge(args);
  const fn = FUNCTIONS[name];
  if (!fn) return undefined;
  const arityOk = fn.arity === -1 ? args.length === 2 || args.length === 3 : args.length === fn.arity;
  if (!arityOk) return undefined;
  const compiled: Evaluator[] = [];
  for (const arg of args) {
    const evaluator = compile(arg);
    if (!evaluator) return undefined;
    compiled.push(evaluator);
  }
  const apply = fn.apply;
  const [first, second, third] = compiled as [Evaluator, Evaluator | undefined, Evaluator | undefined];
  // Arguments evaluated left to right, as jsonata does.
  if (second === undefined) return (input, envelope) => apply(first(input, envelope), undefined, undefined);
  if (third === undefined) return (input, envelope) => apply(first(input, envelope), second(input, envelope), undefined);
  return (input, envelope) => apply(first(input, envelope), second(input, envelope), third(input, envelope));
}

/** `$merge([a, b, …])` or `$merge(a)`: properties of plain objects, later ones win. */
function merge(args: AstNode[]): Evaluator | undefined {
  if (args.length !== 1) return undefined;
  const arg = args[0] as AstNode;
  let items: Evaluator[];
  if (arg.type === 'unary' && arg.value === '[' && plainKeys(arg, 'unary') && Array.isArray(arg.expressions)) {
    items = [];
    for (const item of arg.expressions) {
      // A nested array constructor would be kept as an array item: outside the subset.
      if (item.type === 'unary' && item.value === '[') return undefined;
      const evaluator = compile(item);
      if (!evaluator) return undefined;
      items.push(evaluator);
    }
  } else {
    const evaluator = compile(arg);
    if (!evaluator) return undefined;
    // `$merge(obj)`: a missing argument is a missing result, an object is merged alone.
    return (input, envelope) => {
      const value = evaluator(input, envelope);
      return value === undefined ? undefined : mergeInto({}, value);
    };
  }
  return (input, envelope) => {
    const result: Record<string, unknown> = {};
    for (const item of items) {
      const value = item(input, envelope);
      if (value !== undefined) mergeInto(result, value); // the array constructor drops missing items
    }
    return result;
  };
}

function mergeInto(result: Record<string, unknown>, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object') throw GIVE_UP; // jsonata: T0412, not an object
  for (const key of Object.keys(value)) {
    if (key === '__proto__') throw GIVE_UP;
    // Copied by reference, whatever they are, as jsonata does.
    result[key] = (value as Record<string, unknown>)[key];
  }
  return result;
}

/** jsonata's $number: numbers, numeric strings (decimal, 0x/0o/0b) and booleans; the rest is an error. */
function toNumber(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'string') throw GIVE_UP;
  let result: number;
  if (/^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$/.test(value)) result = Number.parseFloat(value);
  else if (/^(0[xX][0-9A-Fa-f]+)|(0[oO][0-7]+)|(0[bB][0-1]+)$/.test(value)) result = Number(value);
  else throw GIVE_UP;
  if (!Number.isFinite(result)) throw GIVE_UP;
  return result;
}

/**
 * jsonata's $string for the values where it is obvious: strings, safe integers, booleans, null.
 * Fractions (15-digit rounding) and objects (JSON with jsonata's number formatting) are left to jsonata.
 */
function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return 'null';
  throw GIVE_UP;
}

function requireString(value: unknown): string {
  if (typeof value !== 'string') throw GIVE_UP;
  return value;
}

/** Strings whose UTF-16 units are their characters (no surrogate pairs): indexes mean the same in JS. */
function isSimple(text: string): boolean {
  return !/[\uD800-\uDFFF]/.test(text);
}

function codePoints(text: string): number {
  return isSimple(text) ? text.length : [...text].length;
}

/** jsonata's $substring(text, start[, length]) over characters; integer positions only. */
function substring(text: unknown, start: unknown, length: unknown): unknown {
  if (text === undefined) return undefined;
  if (typeof text !== 'string' || !isSimple(text) || !Number.isInteger(start)) throw GIVE_UP;
  if (length !== undefined && !Number.isInteger(length)) throw GIVE_UP;
  const size = text.length;
  let from = start as number;
  if (size + from < 0) from = 0;
  if (length === undefined) return text.slice(from);
  const count = length as number;
  if (count <= 0) return '';
  const end = from >= 0 ? from + count : size + from + count;
  // Array.prototype.slice(start, end) of jsonata: a negative end counts from the back, as String#slice's.
  return text.slice(from, end);
}

/** jsonata's effective boolean value of one non-sequence value. */
function boolize(value: unknown): boolean {
  switch (typeof value) {
    case 'undefined':
      return false;
    case 'string':
      return value.length > 0;
    case 'number':
      return value !== 0;
    case 'boolean':
      return value;
    case 'object':
      return value !== null && Object.keys(value).length > 0;
    default:
      throw GIVE_UP;
  }
}
