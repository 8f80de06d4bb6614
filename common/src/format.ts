// Number formatting identical to the original Go system's.

/** Two decimals like Go's %.2f: exact ties (odd eighths) round to even, not up as toFixed does. */
export function formatFixed2(value: number): string {
  const eighths = value * 8;
  if (Number.isInteger(eighths) && Math.abs(eighths % 2) === 1) {
    const below = Math.floor(value * 100);
    const even = below % 2 === 0 ? below : below + 1;
    return (even / 100).toFixed(2);
  }
  return value.toFixed(2);
}

/** An integer as a decimal string, like Go's strconv.Itoa. */
export function formatInteger(value: number): string {
  return String(Math.trunc(value));
}
