import type { PoolView } from '../../../core/contract';

export interface PoolUtilisation {
  allocated: bigint;
  reserved: bigint;
  size: bigint;
  /** Share of the pool in use (allocated + reserved), 0-100 with two decimals. */
  percent: number;
}

const toBigInt = (text: string): bigint => {
  try {
    return BigInt(text);
  } catch {
    return 0n;
  }
};

/** Sizes are decimal strings (an IPv6 /64 does not fit in a number), so the sum is done in BigInt. */
export function poolUtilisation(pool: Pick<PoolView, 'allocated' | 'reservedCount' | 'size'>): PoolUtilisation {
  const allocated = BigInt(pool.allocated);
  const reserved = toBigInt(pool.reservedCount);
  const size = toBigInt(pool.size);
  return { allocated, reserved, size, percent: shareOf(allocated + reserved, size) };
}

/** part of size in percent, 0-100 with two decimals (0 for an empty pool). */
export function shareOf(part: bigint, size: bigint): number {
  return size <= 0n ? 0 : Math.min(100, Number((part * 10000n) / size) / 100);
}

/** 16 -> "16", 18446744073709551616 -> "1.8e19": exact while it is readable, short after. */
export function formatCount(n: bigint): string {
  const text = n.toString();
  if (text.length <= 9) return Number(n).toLocaleString('en-US');
  return `${text[0]}.${text[1]}e${text.length - 1}`;
}
