// Shared helpers for the test targets.
import TesseraEngine

/// Largest |a - b| / (atol + rtol * |b|) over two equal-length sequences; <= 1 means "within tolerance".
public func toleranceRatio<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(_ a: [A], _ b: [B], atol: Double, rtol: Double) -> Double {
    precondition(a.count == b.count, "length mismatch \(a.count) vs \(b.count)")
    var worst = 0.0
    for i in 0..<a.count {
        let x = Double(a[i]), y = Double(b[i])
        if !x.isFinite || !y.isFinite { return .infinity }
        worst = max(worst, abs(x - y) / (atol + rtol * abs(y)))
    }
    return worst
}
