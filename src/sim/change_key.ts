// ChangeKey: "did any of these values change since the last step?" without building a string. A
// caller feeds the same sequence of values every step (in a fixed order); changed() says whether
// the sequence differs from the previous step's — one value differs or the length does — and
// remembers the new one. Values compare with === (objects by identity), except that NaN equals
// NaN: numbers and strings compare as their text would, so a key of numbers and strings answers
// exactly as comparing them joined into one unambiguous string would.

export class ChangeKey {
  private readonly values: unknown[] = [];
  private n = 0;
  private differs = false;

  /** Start feeding this step's values. */
  begin(): this {
    this.n = 0;
    this.differs = false;
    return this;
  }

  add(x: unknown): this {
    const i = this.n++;
    if (i >= this.values.length) {
      this.values.push(x);
      this.differs = true;
      return this;
    }
    const prev = this.values[i];
    if (prev !== x && !(typeof x === 'number' && typeof prev === 'number' && Number.isNaN(x) && Number.isNaN(prev))) {
      this.values[i] = x;
      this.differs = true;
    }
    return this;
  }

  /** Whether this step's values differ from the previous step's (true on the first step). */
  changed(): boolean {
    if (this.n !== this.values.length) {
      this.values.length = this.n;
      this.differs = true;
    }
    return this.differs;
  }
}
