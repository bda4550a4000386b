// Kubernetes resource quantities (apimachinery resource.Quantity) as bytes, for comparing volume sizes.

const SUFFIX: Record<string, number> = {
  '': 1,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Bytes, or null when the text is not a quantity ("8Gi", "500M", "1e9", "2048"). */
export function quantityBytes(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)|[eE](\d+))?$/.exec(text.trim());
  if (!m) return null;
  const exponent = m[3] === undefined ? 1 : 10 ** Number(m[3]);
  return Math.round(Number(m[1]) * (SUFFIX[m[2] ?? ''] ?? 1) * exponent);
}

/** A size to grow to when a volume is full: twice `bytes`, in whole GiB, at least 1Gi. */
export function doubledSize(bytes: number): string {
  return `${Math.max(1, Math.ceil((2 * bytes) / 2 ** 30))}Gi`;
}
