//! Summaries of the benchmark programs' repeated samples: the median, the range, rounding.

/// The median of `xs` (the mean of the two middle values for an even count; NaN for none).
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

/// The smallest and the largest of `xs` (infinities for none).
#[allow(dead_code)] // not every program that includes this module reports ranges
pub fn min_max(xs: &[f64]) -> [f64; 2] {
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    [lo, hi]
}

/// `x` rounded to `decimals` decimal places.
#[allow(dead_code)] // not every program that includes this module rounds
pub fn round(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}
