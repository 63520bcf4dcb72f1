/**
 * A lognormal fitted to observed durations (talk, wrap-up), with a prior so it answers before data arrives; used to
 * tell how likely a busy agent is to be free within a horizon given how long the call or wrap has lasted.
 */
export class DurationModel {
  private n: number;
  private sum: number;
  private sumSq: number;

  /** Prior: a lognormal with this mean and coefficient of variation, worth `priorWeight` observations. */
  constructor(priorMeanMs: number, priorCv: number, priorWeight = 20) {
    const s2 = Math.log(1 + priorCv * priorCv);
    const mu = Math.log(priorMeanMs) - s2 / 2;
    this.n = priorWeight;
    this.sum = mu * priorWeight;
    this.sumSq = (s2 + mu * mu) * priorWeight;
  }

  observe(ms: number): void {
    const x = Math.log(Math.max(1, ms));
    this.n++;
    this.sum += x;
    this.sumSq += x * x;
  }

  params(): { mu: number; sigma: number } {
    const mu = this.sum / this.n;
    return { mu, sigma: Math.sqrt(Math.max(1e-6, this.sumSq / this.n - mu * mu)) };
  }

  /** Mean of the fitted lognormal, ms. */
  mean(): number {
    const { mu, sigma } = this.params();
    return Math.exp(mu + (sigma * sigma) / 2);
  }

  cdf(ms: number): number {
    if (ms <= 0) return 0;
    const { mu, sigma } = this.params();
    return normalCdf((Math.log(ms) - mu) / sigma);
  }

  quantile(q: number): number {
    const { mu, sigma } = this.params();
    return Math.exp(mu + sigma * normalQuantile(q));
  }

  /** P(ends within `horizonMs` | has lasted `elapsedMs`). */
  endsWithin(elapsedMs: number, horizonMs: number): number {
    if (horizonMs <= 0) return 0;
    const survive = 1 - this.cdf(elapsedMs);
    if (survive <= 1e-12) return 1;
    return Math.min(1, Math.max(0, (this.cdf(elapsedMs + horizonMs) - this.cdf(elapsedMs)) / survive));
  }
}

export function normalCdf(z: number): number {
  // Abramowitz-Stegun 7.1.26 on erf.
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

export function normalPdf(z: number): number {
  return Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
}

/** Acklam's rational approximation. */
export function normalQuantile(p: number): number {
  const q = Math.min(1 - 1e-12, Math.max(1e-12, p));
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771542, -13.28068155211313];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (q < lo) {
    const r = Math.sqrt(-2 * Math.log(q));
    return (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) / ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
  }
  if (q > 1 - lo) return -normalQuantile(1 - q);
  const r = q - 0.5;
  const s = r * r;
  return ((((((a[0]! * s + a[1]!) * s + a[2]!) * s + a[3]!) * s + a[4]!) * s + a[5]!) * r) / (((((b[0]! * s + b[1]!) * s + b[2]!) * s + b[3]!) * s + b[4]!) * s + 1);
}
