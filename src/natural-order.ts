// Natural order for names an operator reads (svc-2 before svc-10): runs of digits compare as numbers (pure).

/** Runs of digits by their value (any length: no overflow), other text by code unit, then the raw text as the tie-break. */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      const ea = runEnd(a, i);
      const eb = runEnd(b, j);
      const na = stripZeros(a, i, ea);
      const nb = stripZeros(b, j, eb);
      // More significant digits is the larger number; the same count compares digit by digit.
      if (ea - na !== eb - nb) return ea - na - (eb - nb);
      for (let k = 0; k < ea - na; k++) {
        const d = a.charCodeAt(na + k) - b.charCodeAt(nb + k);
        if (d !== 0) return d;
      }
      i = ea;
      j = eb;
    } else {
      if (ca !== cb) return ca - cb;
      i++;
      j++;
    }
  }
  if (i < a.length || j < b.length) return (a.length - i) - (b.length - j);
  // Equal as numbers (`a01` and `a1`): still a fixed order.
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function runEnd(s: string, from: number): number {
  let k = from;
  while (k < s.length && isDigit(s.charCodeAt(k))) k++;
  return k;
}

function stripZeros(s: string, from: number, end: number): number {
  let k = from;
  while (k < end - 1 && s.charCodeAt(k) === 48) k++;
  return k;
}
