// The assertions of the conformance suite: the part of chai's `expect` the
// specs use, on node:assert and node:util only, so the suite runs from an
// installed package with no dev dependency (`listenconfig conformance`,
// issue 12) and under mocha in `npm test` alike.
//
//   expect(v, msg).to.equal(x) · .deep.equal(x) · .not.… · .be.a('number')
//   .instanceOf(C) · .below/.above/.at.most/.at.least(n) · .match(re)
//   .include(x) (string, array, object subset) · .have.length(n) · .oneOf(a)
//   .throw(Type?, text|re?) and .with.property(name, value?) on its error
//   .and chains another assertion on the same value; expect.fail(message).
import { AssertionError } from 'node:assert';
import { inspect, isDeepStrictEqual } from 'node:util';

const show = (v) => inspect(v, { depth: 4, breakLength: Infinity });

class Assertion {
  constructor(value, message) {
    this.value = value;
    this.message = message;
    this.negate = false;
    this.deepFlag = false;
  }

  // Language chains: readability only.
  get to() {
    return this;
  }
  get be() {
    return this;
  }
  get been() {
    return this;
  }
  get is() {
    return this;
  }
  get that() {
    return this;
  }
  get which() {
    return this;
  }
  get and() {
    return this;
  }
  get has() {
    return this;
  }
  get have() {
    return this;
  }
  get with() {
    return this;
  }
  get at() {
    return this;
  }
  get of() {
    return this;
  }
  get not() {
    this.negate = !this.negate;
    return this;
  }
  get deep() {
    this.deepFlag = true;
    return this;
  }

  assert(ok, what, expected) {
    if (ok === this.negate) {
      const text = `expected ${show(this.value)} ${this.negate ? 'not ' : ''}${what}`;
      throw new AssertionError({
        message: this.message ? `${this.message}: ${text}` : text,
        actual: this.value,
        expected,
        operator: what.split(' ')[0],
      });
    }
    this.negate = false;
    return this;
  }

  equal(x) {
    return this.deepFlag
      ? this.assert(isDeepStrictEqual(this.value, x), `to deeply equal ${show(x)}`, x)
      : this.assert(Object.is(this.value, x) || this.value === x, `to equal ${show(x)}`, x);
  }

  a(type) {
    const v = this.value;
    const t = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
    return this.assert(t === type, `to be a ${type}`, type);
  }
  an(type) {
    return this.a(type);
  }

  instanceOf(C) {
    return this.assert(this.value instanceof C, `to be an instance of ${C.name}`);
  }
  below(n) {
    return this.assert(this.value < n, `to be below ${n}`, n);
  }
  above(n) {
    return this.assert(this.value > n, `to be above ${n}`, n);
  }
  most(n) {
    return this.assert(this.value <= n, `to be at most ${n}`, n);
  }
  least(n) {
    return this.assert(this.value >= n, `to be at least ${n}`, n);
  }
  match(re) {
    return this.assert(re.test(String(this.value)), `to match ${re}`, re);
  }
  oneOf(list) {
    return this.assert(
      list.some((x) => (this.deepFlag ? isDeepStrictEqual(x, this.value) : x === this.value)),
      `to be one of ${show(list)}`,
      list,
    );
  }

  length(n) {
    const len = this.value == null ? undefined : (this.value.length ?? this.value.size);
    return this.assert(len === n, `to have length ${n} (it has ${len})`, n);
  }
  lengthOf(n) {
    return this.length(n);
  }

  include(x) {
    const v = this.value;
    let ok;
    if (typeof v === 'string') ok = v.includes(x);
    else if (Array.isArray(v)) ok = v.some((e) => (this.deepFlag ? isDeepStrictEqual(e, x) : e === x));
    else if (v !== null && typeof v === 'object' && x !== null && typeof x === 'object') {
      ok = Object.keys(x).every((k) => (this.deepFlag ? isDeepStrictEqual(v[k], x[k]) : v[k] === x[k]));
    } else ok = false;
    return this.assert(ok, `to include ${show(x)}`, x);
  }
  contain(x) {
    return this.include(x);
  }

  property(name, ...value) {
    const v = this.value;
    const has = v !== null && v !== undefined && name in Object(v);
    if (value.length === 0) return this.assert(has, `to have property ${show(name)}`);
    return this.assert(
      has && (this.deepFlag ? isDeepStrictEqual(v[name], value[0]) : v[name] === value[0]),
      `to have property ${show(name)} of ${show(value[0])} (it is ${has ? show(v[name]) : 'absent'})`,
      value[0],
    );
  }

  /** The function throws (a `Type`, with `text` in or `re` matching its message); the chain goes on with the error. */
  throw(Type, text) {
    if (typeof Type === 'string' || Type instanceof RegExp) [Type, text] = [undefined, Type];
    let thrown;
    let threw = false;
    try {
      this.value();
    } catch (e) {
      threw = true;
      thrown = e;
    }
    const negate = this.negate;
    const msg = thrown && typeof thrown === 'object' ? String(thrown.message) : String(thrown);
    const ok =
      threw &&
      (Type === undefined || thrown instanceof Type) &&
      (text === undefined || (text instanceof RegExp ? text.test(msg) : msg.includes(text)));
    const what = `to throw${Type ? ` ${Type.name}` : ''}${text !== undefined ? ` with ${show(text)}` : ''}${threw ? ` (it threw ${show(thrown)})` : ''}`;
    this.value = `[function]`;
    this.assert(ok, what);
    if (!negate) this.value = thrown;
    return this;
  }
}

export function expect(value, message) {
  return new Assertion(value, message);
}

/** chai's expect.fail: fails the test with `message`. */
expect.fail = (message = 'expect.fail()') => {
  throw new AssertionError({ message, operator: 'fail' });
};
