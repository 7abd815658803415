/**
 * CRC-64/ECMA-182 as Alibaba Cloud OSS computes it for `x-oss-hash-crc64ecma` (the reflected
 * variant also catalogued as CRC-64/XZ: polynomial 0x42F0E1EBA9EA3693, reflected, init and final
 * XOR all ones). Streaming, table-driven (slicing by 8) on pairs of 32-bit words, so it needs no
 * BigInt per byte; OSS prints the value as an unsigned decimal.
 */

/** The reflected polynomial, split into 32-bit halves. */
const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

/** TABLES_HI[k][b], TABLES_LO[k][b]: slicing-by-8 tables. */
const TABLES_HI: Uint32Array[] = [];
const TABLES_LO: Uint32Array[] = [];

function buildTables(): void {
  const hi0 = new Uint32Array(256);
  const lo0 = new Uint32Array(256);
  for (let b = 0; b < 256; b++) {
    let hi = 0;
    let lo = b;
    for (let i = 0; i < 8; i++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        hi = (hi ^ POLY_HI) >>> 0;
        lo = (lo ^ POLY_LO) >>> 0;
      }
    }
    hi0[b] = hi;
    lo0[b] = lo;
  }
  TABLES_HI.push(hi0);
  TABLES_LO.push(lo0);
  for (let k = 1; k < 8; k++) {
    const prevHi = TABLES_HI[k - 1] as Uint32Array;
    const prevLo = TABLES_LO[k - 1] as Uint32Array;
    const hi = new Uint32Array(256);
    const lo = new Uint32Array(256);
    for (let b = 0; b < 256; b++) {
      // One more zero byte through the register: shift by 8, then fold the low byte.
      const h = prevHi[b] as number;
      const l = prevLo[b] as number;
      const idx = l & 0xff;
      lo[b] = (((l >>> 8) | (h << 24)) ^ (lo0[idx] as number)) >>> 0;
      hi[b] = ((h >>> 8) ^ (hi0[idx] as number)) >>> 0;
    }
    TABLES_HI.push(hi);
    TABLES_LO.push(lo);
  }
}
buildTables();

const [H0, H1, H2, H3, H4, H5, H6, H7] = TABLES_HI as [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
];
const [L0, L1, L2, L3, L4, L5, L6, L7] = TABLES_LO as [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
];

/** A running CRC-64/ECMA: feed chunks with `update`, read with `value()` / `digest()`. */
export class Crc64 {
  // The register, already inverted (init all ones), as two 32-bit halves.
  private hi = 0xffffffff;
  private lo = 0xffffffff;

  update(data: Uint8Array): this {
    let hi = this.hi;
    let lo = this.lo;
    let i = 0;
    const n = data.length;
    const end8 = n - (n % 8);
    while (i < end8) {
      lo =
        (lo ^
          ((data[i] as number) |
            ((data[i + 1] as number) << 8) |
            ((data[i + 2] as number) << 16) |
            ((data[i + 3] as number) << 24))) >>>
        0;
      hi =
        (hi ^
          ((data[i + 4] as number) |
            ((data[i + 5] as number) << 8) |
            ((data[i + 6] as number) << 16) |
            ((data[i + 7] as number) << 24))) >>>
        0;
      const nlo =
        (L7[lo & 0xff] as number) ^
        (L6[(lo >>> 8) & 0xff] as number) ^
        (L5[(lo >>> 16) & 0xff] as number) ^
        (L4[lo >>> 24] as number) ^
        (L3[hi & 0xff] as number) ^
        (L2[(hi >>> 8) & 0xff] as number) ^
        (L1[(hi >>> 16) & 0xff] as number) ^
        (L0[hi >>> 24] as number);
      const nhi =
        (H7[lo & 0xff] as number) ^
        (H6[(lo >>> 8) & 0xff] as number) ^
        (H5[(lo >>> 16) & 0xff] as number) ^
        (H4[lo >>> 24] as number) ^
        (H3[hi & 0xff] as number) ^
        (H2[(hi >>> 8) & 0xff] as number) ^
        (H1[(hi >>> 16) & 0xff] as number) ^
        (H0[hi >>> 24] as number);
      lo = nlo >>> 0;
      hi = nhi >>> 0;
      i += 8;
    }
    for (; i < n; i++) {
      const idx = (lo ^ (data[i] as number)) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ (L0[idx] as number)) >>> 0;
      hi = ((hi >>> 8) ^ (H0[idx] as number)) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
    return this;
  }

  /** The CRC of everything fed so far. */
  value(): bigint {
    return (BigInt(~this.hi >>> 0) << 32n) | BigInt(~this.lo >>> 0);
  }

  /** As OSS writes it in `x-oss-hash-crc64ecma`: unsigned decimal. */
  digest(): string {
    return this.value().toString(10);
  }
}

export function crc64(data: Uint8Array): string {
  return new Crc64().update(data).digest();
}

/**
 * The plain bit-by-bit definition with BigInt: slow, only a reference for tests.
 */
export function crc64Reference(data: Uint8Array): bigint {
  const poly = 0xc96c5795d7870f42n;
  const mask = 0xffffffffffffffffn;
  let crc = mask;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc ^ mask;
}
