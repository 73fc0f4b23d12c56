// An identity-preserving deep copy of an object graph, for the engine model checker's state forks
// (checked_script.ts fork(), used by engine_check.ts instead of replaying a path from a fresh
// engine). Every reachable object is copied once (shared references and cycles stay shared and
// cyclic in the copy), with its prototype, own enumerable properties in their order, and Map/Set
// entries in insertion order, so iteration order and `instanceof` are kept. Values treated as
// immutable are shared, not copied: primitives, frozen objects (the recovery log's entries) and
// Error instances (EngineError is never mutated). Functions and generators cannot be copied (their
// captured variables are invisible): a function is resolved by the caller's hook (or a preset),
// and anything else throws UncopyableError. Assumes class prototypes carry no enumerable
// properties (true of `class` syntax) and frozen objects hold only immutable values. Deterministic:
// the identity memo is only looked up, never iterated. About 50 objects for an engine-script
// runner, 12-17 us of CPU on the shared test machine (see docs/model-checking.md).

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
    if (proto === OBJECT_PROTOTYPE) return Object.isFrozen(v) ? this.share(v) : this.fields(v, Object.assign({}, v));
    if (proto === ARRAY_PROTOTYPE) return this.array(v as unknown[]);
    if (proto === MAP_PROTOTYPE) return this.map(v as Map<unknown, unknown>);
    if (proto === SET_PROTOTYPE) return this.set(v as Set<unknown>);
    const kind = kindOf(proto);
    if (kind === KIND_SHARED || Object.isFrozen(v)) return this.share(v);
    if (kind === KIND_UNCOPYABLE) throw new UncopyableError(`a ${String((proto as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'null-prototype object')}`);
    return this.fields(v, Object.assign(Object.create(proto) as object, v));
  }

  private share(v: object): object {
    this.memo.set(v, v);
    return v;
  }

  /** Registers `out` (a shallow copy of `v`) as v's copy and replaces its object and function fields by their copies. */
  private fields(v: object, out: object): object {
    this.memo.set(v, out);
    const o = out as Record<string, unknown>;
    for (const k of Object.keys(o)) {
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
