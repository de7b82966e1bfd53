// Kubernetes resource quantities ("128Mi", "250m", "1.5", "2e3"): the grammar of apimachinery's
// resource.Quantity, and an exact comparison (no floating point), so fn refuses what the API server
// would and can tell a request above its limit.

/** <sign>? <digits>[.<digits>] | .<digits>, then a binary-SI, decimal-SI or exponent suffix. */
const QUANTITY = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|[eE]([+-]?\d+))?$/;
const BINARY_EXPONENT: Record<string, number> = {Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60};
const DECIMAL_EXPONENT: Record<string, number> = {n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18};

export const QUANTITY_FORMAT = 'a number with an optional suffix: Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024), n, u, m, k, M, G, T, P, E (powers of 1000) or an exponent (e.g. 128Mi, 250m, 1.5, 2e3)';

/** The value digits × 10^exp10 × 2^exp2, with its sign. */
export interface Quantity {
  negative: boolean;
  digits: bigint;
  exp10: number;
  exp2: number;
}

/** The quantity `text` denotes, or undefined when it is not one. YAML numbers are their decimal text. */
export function parseQuantity(text: string | number): Quantity | undefined {
  const m = QUANTITY.exec(String(text));
  if (!m) return undefined;
  const [, sign, whole, fraction = '', onlyFraction, binary, decimal, exponent] = m;
  const fractionDigits = onlyFraction ?? fraction;
  return {
    negative: sign === '-',
    digits: BigInt(`${whole ?? ''}${fractionDigits}` || '0'),
    exp10: -fractionDigits.length + (decimal ? DECIMAL_EXPONENT[decimal] : 0) + (exponent ? Number(exponent) : 0),
    exp2: binary ? BINARY_EXPONENT[binary] : 0,
  };
}

/** -1, 0 or 1 as a < b, a = b, a > b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const sign = (q: Quantity) => (q.digits === 0n ? 0 : q.negative ? -1 : 1);
  if (sign(a) !== sign(b)) return Math.sign(sign(a) - sign(b));
  if (sign(a) === 0) return 0;
  const magnitude = compareMagnitudes(a, b);
  return sign(a) < 0 ? -magnitude : magnitude;
}

function compareMagnitudes(a: Quantity, b: Quantity): number {
  // log10 within one of the truth: far apart decides without building 10^(huge exponent).
  const log10 = (q: Quantity) => q.digits.toString().length + q.exp10 + q.exp2 * Math.log10(2);
  const [la, lb] = [log10(a), log10(b)];
  if (Math.abs(la - lb) > 2) return la < lb ? -1 : 1;
  // Close in size: exact, over a common 10^e × 2^f (the exponent differences are now small).
  const e = Math.min(a.exp10, b.exp10);
  const f = Math.min(a.exp2, b.exp2);
  const scaled = (q: Quantity) => q.digits * 10n ** BigInt(q.exp10 - e) * 2n ** BigInt(q.exp2 - f);
  const [x, y] = [scaled(a), scaled(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}
