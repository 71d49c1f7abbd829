// Permute, and the spacetime patchify/unpatchify built on it. Both are pure data movement, so the
// backward pass of a permutation is the inverse permutation.

public enum PermuteOp {
    /// out = x.permuted(axes): out's dimension i is x's dimension axes[i].
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func forward<T: TensorScalar>(x: UnsafePointer<T>, shape: [Int], axes: [Int], out: UnsafeMutablePointer<T>) {
        precondition(axes.sorted() == Array(0..<shape.count), "permutation \(axes) does not fit rank \(shape.count)")
        let rank = shape.count
        var inStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
        let outShape = axes.map { shape[$0] }
        let stridesForOut = axes.map { inStrides[$0] }
        let total = shape.reduce(1, *)
        if total == 0 { return }
        // The innermost output dimension is copied in a tight loop; the rest walk an index odometer.
        let inner = outShape[rank - 1], innerStride = stridesForOut[rank - 1]
        let outer = total / inner
        Parallel.forRange(outer, minimumChunk: 64) { rows in
            var index = [Int](repeating: 0, count: rank)
            var rem = rows.lowerBound
            for i in stride(from: rank - 2, through: 0, by: -1) { index[i] = rem % outShape[i]; rem /= outShape[i] }
            for row in rows {
                var src = 0
                for i in 0..<(rank - 1) { src += index[i] * stridesForOut[i] }
                let dst = out + row * inner
                if innerStride == 1 {
                    dst.update(from: x + src, count: inner)
                } else {
                    for j in 0..<inner { dst[j] = x[src + j * innerStride] }
                }
                var i = rank - 2
                while i >= 0 {
                    index[i] += 1
                    if index[i] < outShape[i] { break }
                    index[i] = 0
                    i -= 1
                }
            }
        }
    }

    public static func inverse(_ axes: [Int]) -> [Int] {
        var inv = [Int](repeating: 0, count: axes.count)
        for (i, a) in axes.enumerated() { inv[a] = i }
        return inv
    }
}

/// Spacetime patches: a latent (B, F, H, W, C) cut into (pt, ph, pw) patches becomes tokens
/// (B, (F/pt)(H/ph)(W/pw), pt*ph*pw*C), tokens ordered frame-major then row then column.
public struct PatchGrid: Sendable, Equatable {
    public var batch: Int, frames: Int, height: Int, width: Int, channels: Int
    public var patch: [Int]   // [pt, ph, pw]

    public init(batch: Int, frames: Int, height: Int, width: Int, channels: Int, patch: [Int]) {
        precondition(patch.count == 3 && frames % patch[0] == 0 && height % patch[1] == 0 && width % patch[2] == 0,
                     "latent \(frames)x\(height)x\(width) does not divide into \(patch) patches")
        self.batch = batch; self.frames = frames; self.height = height; self.width = width
        self.channels = channels; self.patch = patch
    }

    public var gridFrames: Int { frames / patch[0] }
    public var gridHeight: Int { height / patch[1] }
    public var gridWidth: Int { width / patch[2] }
    public var tokens: Int { gridFrames * gridHeight * gridWidth }
    public var tokenWidth: Int { patch[0] * patch[1] * patch[2] * channels }

    /// (B, Fp, pt, Hp, ph, Wp, pw, C) view of the latent, and the axes that bring patches together.
    var splitShape: [Int] { [batch, gridFrames, patch[0], gridHeight, patch[1], gridWidth, patch[2], channels] }
    static let patchAxes = [0, 1, 3, 5, 2, 4, 6, 7]

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func patchify<T: TensorScalar>(_ latent: UnsafePointer<T>, into tokens: UnsafeMutablePointer<T>) {
        PermuteOp.forward(x: latent, shape: splitShape, axes: PatchGrid.patchAxes, out: tokens)   // (B, Fp, Hp, Wp, pt, ph, pw, C)
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func unpatchify<T: TensorScalar>(_ tokens: UnsafePointer<T>, into latent: UnsafeMutablePointer<T>) {
        let permuted = PatchGrid.patchAxes.map { splitShape[$0] }
        PermuteOp.forward(x: tokens, shape: permuted, axes: PermuteOp.inverse(PatchGrid.patchAxes), out: latent)   // (B, F, H, W, C)
    }
}
