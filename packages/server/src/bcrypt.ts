/**
 * bcrypt password verification (Provos and Mazières, 1999), for htpasswd files made with `htpasswd -B`.
 * Node has no bcrypt built in. The Blowfish start state is the fractional hex digits of π, computed once
 * with BigInt (Machin's formula) instead of pasted as a 1042-word table.
 */
import { timingSafeEqual } from "node:crypto";

const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const standardAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const hashPattern = /^\$2[aby]?\$(\d{2})\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

let piWords: Uint32Array | undefined;

/** The first `count` 32-bit words of the fractional part of π: Blowfish's P-array then its S-boxes. */
export function piFractionWords(count = 1042): Uint32Array {
  if (piWords !== undefined && piWords.length >= count) return piWords.subarray(0, count);
  const bits = BigInt(count * 32);
  const guard = 64n;
  const scale = 1n << (bits + guard);
  const arctanInverse = (x: bigint): bigint => {
    let term = scale / x;
    let sum = term;
    const square = x * x;
    for (let k = 1n; term !== 0n; k++) {
      term /= square;
      sum += (k % 2n === 0n ? 1n : -1n) * (term / (2n * k + 1n));
    }
    return sum;
  };
  const pi = 16n * arctanInverse(5n) - 4n * arctanInverse(239n);
  const fraction = (pi >> guard) & ((1n << bits) - 1n);
  const words = new Uint32Array(count);
  for (let index = 0; index < count; index++) {
    words[index] = Number((fraction >> (bits - 32n * BigInt(index + 1))) & 0xffffffffn);
  }
  piWords = words;
  return words;
}

/** True when `hash` is a bcrypt hash (`$2a$`, `$2b$`, `$2y$`). */
export function isBcryptHash(hash: string): boolean {
  return hashPattern.test(hash);
}

/** True when `password` matches the bcrypt `hash`; false for any other hash. */
export function verifyBcrypt(password: string, hash: string): boolean {
  const match = hashPattern.exec(hash);
  if (match === null) return false;
  const cost = Number(match[1]);
  if (cost < 4 || cost > 31) return false;
  const salt = decode(match[2] ?? "").subarray(0, 16);
  const expected = Buffer.from(match[3] ?? "");
  const actual = Buffer.from(encode(bcryptRaw(Buffer.from(password, "utf8"), cost, salt)));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The 23 bytes of a bcrypt hash: EksBlowfish setup, then "OrpheanBeholderScryDoubt" encrypted 64 times. */
function bcryptRaw(password: Uint8Array, cost: number, salt: Uint8Array): Uint8Array {
  const key = new Uint8Array(Math.min(password.length + 1, 72));
  key.set(password.subarray(0, key.length - 1));
  const initial = piFractionWords();
  const p = Uint32Array.from(initial.subarray(0, 18));
  const s = Uint32Array.from(initial.subarray(18, 1042));

  const f = (x: number): number =>
    ((((s[x >>> 24] as number) + (s[256 + ((x >>> 16) & 0xff)] as number)) ^
      (s[512 + ((x >>> 8) & 0xff)] as number)) +
      (s[768 + (x & 0xff)] as number)) >>>
    0;
  const block = new Uint32Array(2);
  const encipher = (): void => {
    let left = (block[0] as number) ^ (p[0] as number);
    let right = block[1] as number;
    for (let round = 1; round <= 16; round += 2) {
      right ^= f(left) ^ (p[round] as number);
      left ^= f(right) ^ (p[round + 1] as number);
    }
    block[0] = right ^ (p[17] as number);
    block[1] = left;
  };
  const stream = (data: Uint8Array): (() => number) => {
    let position = 0;
    return () => {
      let word = 0;
      for (let index = 0; index < 4; index++) {
        word = ((word << 8) | (data[position] as number)) >>> 0;
        position = (position + 1) % data.length;
      }
      return word;
    };
  };
  const expand = (data: Uint8Array | undefined, secret: Uint8Array): void => {
    const keyWord = stream(secret);
    for (let index = 0; index < 18; index++) p[index] = (p[index] as number) ^ keyWord();
    const dataWord = data === undefined ? () => 0 : stream(data);
    block[0] = 0;
    block[1] = 0;
    const fill = (table: Uint32Array): void => {
      for (let index = 0; index < table.length; index += 2) {
        block[0] = (block[0] as number) ^ dataWord();
        block[1] = (block[1] as number) ^ dataWord();
        encipher();
        table[index] = block[0] as number;
        table[index + 1] = block[1] as number;
      }
    };
    fill(p);
    fill(s);
  };

  expand(salt, key);
  for (let round = 0; round < 2 ** cost; round++) {
    expand(undefined, key);
    expand(undefined, salt);
  }
  const text = Buffer.from("OrpheanBeholderScryDoubt", "latin1");
  const words = new Uint32Array(6);
  for (let index = 0; index < 6; index++) words[index] = text.readUInt32BE(index * 4);
  for (let round = 0; round < 64; round++) {
    for (let index = 0; index < 6; index += 2) {
      block[0] = words[index] as number;
      block[1] = words[index + 1] as number;
      encipher();
      words[index] = block[0] as number;
      words[index + 1] = block[1] as number;
    }
  }
  const out = Buffer.alloc(24);
  for (let index = 0; index < 6; index++) out.writeUInt32BE(words[index] as number, index * 4);
  return out.subarray(0, 23);
}

// bcrypt's base64 has the standard bit order with another alphabet and no padding.
function decode(text: string): Buffer {
  const standard = [...text].map((char) => standardAlphabet[bcryptAlphabet.indexOf(char)]).join("");
  return Buffer.from(standard, "base64");
}

function encode(bytes: Uint8Array): string {
  const standard = Buffer.from(bytes).toString("base64").replace(/=+$/, "");
  return [...standard].map((char) => bcryptAlphabet[standardAlphabet.indexOf(char)]).join("");
}
