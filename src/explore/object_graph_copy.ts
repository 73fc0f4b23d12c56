// An identity-preserving deep copy of an object graph, for the engine model checker's state forks
// (checked_script.ts fork(), used by engine_check.ts instead of replaying a path from a fresh
// engine). Every reachable object is copied once (shared references and cycles stay shared and
// cyclic in the copy), with its prototype, own enumerable properties in their order, and Map/Set
// entries in insertion order, so iteration order and `instanceof` are kept. Values treated as
// immutable are shared, not copied: primitives, frozen objects (the recovery log's entries) and
// Error instances (EngineError is never mutated). Functions and generators cannot be copied (their
// captured variables are invisible): a function is resolved by the caller's hook (or a preset),
// and anything else throws UncopyableError. Deterministic: no hashing of identities, no host state.

/** Thrown when the graph holds a function the hook does not know, or a generator. */
export class UncopyableError extends Error {
  constructor(what: string) {
    super(`object graph copy: cannot copy ${what}`);
    this.name = 'UncopyableError';
  }
}

/** Resolves a function met in the graph to its counterpart in the copy; undefined = unknown. */
export type FunctionHook = (fn: Function, copier: GraphCopier) => Function | undefined;

const GENERATOR_PROTOTYPE: object = Object.getPrototypeOf(Object.getPrototypeOf((function* () {})()));
const OBJECT_PROTOTYPE: object = Object.prototype;
const ARRAY_PROTOTYPE: object = Array.prototype;
const MAP_PROTOTYPE: object = Map.prototype;
const SET_PROTOTYPE: object = Set.prototype;

/** How objects of a prototype other than Object's, Array's, Map's and Set's are copied. */
const KIND_FIELDS = 0;
const KIND_SHARED = 1;
const KIND_UNCOPYABLE = 2;
const kinds = new Map<object | null, number>();

function kindOf(proto: object | null): number {
  let k = kinds.get(proto);
  if (k === undefined) {
    k = classify(proto);
    kinds.set(proto, k);
  }
  return k;
}

/** Errors are shared; generators, Map/Set subclasses, typed arrays and the like cannot be copied field by field. */
function classify(proto: object | null): number {
  if (proto === null) return KIND_FIELDS;
  if (proto === Error.prototype || Error.prototype.isPrototypeOf(proto)) return KIND_SHARED;
  for (const special of [GENERATOR_PROTOTYPE, Map.prototype, Set.prototype, WeakMap.prototype, WeakSet.prototype, Promise.prototype, Date.prototype, RegExp.prototype, ArrayBuffer.prototype]) {
    if (proto === special || special.isPrototypeOf(proto)) return KIND_UNCOPYABLE;
  }
  if (ArrayBuffer.isView(proto) || Object.getPrototypeOf(Uint8Array.prototype).isPrototypeOf(proto)) return KIND_UNCOPYABLE;
  return KIND_FIELDS;
}

/**
 * A constructor made for one shape (prototype + own keys in order): `new make(copier, src)` is the
 * copy, its fields assigned in the same order by straight-line code, so the copies share one hidden
 * class and the copy is several times faster than Object.create plus keyed stores. Generated once
 * per shape with the Function constructor (the only code built at run time here; the text depends
 * only on the key names, which are quoted).
 */
interface Shape {
  readonly keys: readonly string[];
  readonly make: new (copier: GraphCopier, src: object) => object;
}

/** Shapes kept per prototype; an instance of yet another shape is copied the generic way. */
const MAX_SHAPES = 4;
const shapes = new Map<object, Shape[]>();
/** Plain-object shapes by their first key (several shapes may share one). */
const MAX_PLAIN_SHAPES = 8;
const plainShapes = new Map<string, Shape[]>();

function shapesOf(proto: object): Shape[] {
  let list = shapes.get(proto);
  if (list === undefined) {
    list = [];
    shapes.set(proto, list);
  }
  return list;
}

function makeShape(proto: object, keys: readonly string[]): Shape {
  const body = ['c.begin(s, this);', ...keys.map((k) => `this[${JSON.stringify(k)}] = c.copy(s[${JSON.stringify(k)}]);`)].join('\n');
  const make = new Function('c', 's', body) as unknown as Shape['make'];
  (make as unknown as { prototype: object }).prototype = proto;
  return { keys, make };
}

/**
 * True when `v`'s own enumerable keys are exactly `keys`, in order. Object.keys, not for-in: for-in
 * also walks the prototype chain, which is slow for class prototypes (V8 keeps them as dictionaries).
 */
function sameKeys(v: object, keys: readonly string[]): boolean {
  const own = Object.keys(v);
  if (own.length !== keys.length) return false;
  for (let i = 0; i < own.length; i++) if (own[i] !== keys[i]) return false;
  return true;
}

export class GraphCopier {
  private readonly memo = new Map<object, unknown>();

  constructor(private readonly hook: FunctionHook | null = null) {}

  /** Makes `from` copy to `to` (sharing it when `to === from`). */
  preset(from: object, to: unknown): void {
    this.memo.set(from, to);
  }

  /** Makes `to` (a fresh object of the same prototype) the copy of `from` and copies `from`'s own properties into it. */
  copyInto(from: object, to: object): void {
    this.memo.set(from, to);
    const src = from as Record<string, unknown>;
    const out = to as Record<string, unknown>;
    for (const k of Object.keys(src)) out[k] = this.copy(src[k]);
  }

  /** The copy of `v` (the same copy for every reference to the same object). */
  copy<T>(v: T): T {
    if (typeof v !== 'object' || v === null) return typeof v === 'function' ? (this.fn(v) as T) : v;
    const known = this.memo.get(v);
    if (known !== undefined) return known as T;
    return this.fresh(v) as T;
  }

  private fn(f: Function): Function {
    const known = this.memo.get(f);
    if (known !== undefined) return known as Function;
    const to = this.hook?.(f, this);
    if (to === undefined) throw new UncopyableError(`function ${f.name || '(anonymous)'}`);
    this.memo.set(f, to);
    return to;
  }

  private fresh(v: object): unknown {
    const proto: object | null = Object.getPrototypeOf(v);
    if (proto === OBJECT_PROTOTYPE) return Object.isFrozen(v) ? this.share(v) : this.plain(v);
    if (proto === ARRAY_PROTOTYPE) return this.array(v as unknown[]);
    if (proto === MAP_PROTOTYPE) return this.map(v as Map<unknown, unknown>);
    if (proto === SET_PROTOTYPE) return this.set(v as Set<unknown>);
    const kind = kindOf(proto);
    if (kind === KIND_SHARED || Object.isFrozen(v)) return this.share(v);
    if (kind === KIND_UNCOPYABLE) throw new UncopyableError(`a ${String((proto as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'null-prototype object')}`);
    return this.instance(v, proto!);
  }

  /** A plain object: through its shape's generated constructor, shapes looked up by the first key. */
  private plain(v: object): unknown {
    let first = '';
    for (const k in v) {
      first = k;
      break;
    }
    let list = plainShapes.get(first);
    if (list === undefined) {
      list = [];
      plainShapes.set(first, list);
    }
    for (const shape of list) if (sameKeys(v, shape.keys)) return new shape.make(this, v);
    if (list.length < MAX_PLAIN_SHAPES) {
      const shape = makeShape(OBJECT_PROTOTYPE, Object.keys(v));
      list.push(shape);
      return new shape.make(this, v);
    }
    return this.fields(v, Object.assign({}, v));
  }

  /** A class instance: through its shape's generated constructor when its keys match one seen before. */
  private instance(v: object, proto: object): unknown {
    const shapes = shapesOf(proto);
    for (const shape of shapes) if (sameKeys(v, shape.keys)) return new shape.make(this, v);
    if (shapes.length < MAX_SHAPES) {
      const shape = makeShape(proto, Object.keys(v));
      shapes.push(shape);
      return new shape.make(this, v);
    }
    return this.fields(v, Object.assign(Object.create(proto) as object, v));
  }

  /** Registers `out` as the copy of `from` before its fields are copied (called by the generated constructors). */
  begin(from: object, out: object): void {
    this.memo.set(from, out);
  }

  private share(v: object): object {
    this.memo.set(v, v);
    return v;
  }

  /** Registers `out` (a shallow copy of `v`) as v's copy and replaces its object and function fields by their copies. */
  private fields(v: object, out: object): object {
    this.memo.set(v, out);
    const o = out as Record<string, unknown>;
    for (const k in o) {
      const x = o[k];
      if ((typeof x === 'object' && x !== null) || typeof x === 'function') o[k] = this.copy(x);
    }
    return out;
  }

  private array(a: unknown[]): unknown[] {
    if (Object.isFrozen(a)) {
      this.memo.set(a, a);
      return a;
    }
    const out = new Array<unknown>(a.length);
    this.memo.set(a, out);
    for (let i = 0; i < a.length; i++) out[i] = this.copy(a[i]);
    return out;
  }

  private map(m: Map<unknown, unknown>): Map<unknown, unknown> {
    const out = new Map<unknown, unknown>();
    this.memo.set(m, out);
    m.forEach((x, k) => out.set(this.copy(k), this.copy(x)));
    return out;
  }

  private set(s: Set<unknown>): Set<unknown> {
    const out = new Set<unknown>();
    this.memo.set(s, out);
    s.forEach((x) => out.add(this.copy(x)));
    return out;
  }
}
