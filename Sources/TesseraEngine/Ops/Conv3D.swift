// Causal 3D convolution (im2col + GEMM) and its nearest-neighbour up-sampling counterpart.
//
//   x: (B, F, H, W, Cin) channels last;  weight: (kt, kh, kw, Cin, Cout) = (K, Cout) with K = kt*kh*kw*Cin
//   y: (B, Fo, Ho, Wo, Cout),  Fo = (F - 1) / st + 1,  Ho = (H + 2 ph - kh) / sh + 1,  ph = (kh - 1) / 2
// Causal in time: output frame fo sees input frames fo*st - (kt-1) ... fo*st, missing ones are zero.
// So frame 0 is encoded from frame 0 alone, and a one-frame video (an image) is a valid input.

public struct Conv3DShape: Sendable, Equatable {
    public var batch: Int, frames: Int, height: Int, width: Int, inChannels: Int, outChannels: Int
    public var kernel: (t: Int, h: Int, w: Int)
    public var stride: (t: Int, h: Int, w: Int)

    public init(batch: Int, frames: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
                kernel: (Int, Int, Int), stride: (Int, Int, Int) = (1, 1, 1)) {
        self.batch = batch; self.frames = frames; self.height = height; self.width = width
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = (kernel.0, kernel.1, kernel.2); self.stride = (stride.0, stride.1, stride.2)
    }

    public static func == (a: Conv3DShape, b: Conv3DShape) -> Bool {
        a.batch == b.batch && a.frames == b.frames && a.height == b.height && a.width == b.width
            && a.inChannels == b.inChannels && a.outChannels == b.outChannels
            && a.kernel == b.kernel && a.stride == b.stride
    }

    public var padH: Int { (kernel.h - 1) / 2 }
    public var padW: Int { (kernel.w - 1) / 2 }
    public var outFrames: Int { (frames - 1) / stride.t + 1 }
    public var outHeight: Int { (height + 2 * padH - kernel.h) / stride.h + 1 }
    public var outWidth: Int { (width + 2 * padW - kernel.w) / stride.w + 1 }
    public var patchSize: Int { kernel.t * kernel.h * kernel.w * inChannels }
    public var outputPositions: Int { batch * outFrames * outHeight * outWidth }
    public var inputCount: Int { batch * frames * height * width * inChannels }
    public var outputCount: Int { outputPositions * outChannels }
    public var flops: Double { 2 * Double(outputPositions) * Double(patchSize) * Double(outChannels) }
}

public enum Conv3DOp {
    /// Rows of the im2col matrix built per task: bounds scratch memory to rows * K floats, and leaves
    /// at least two tasks per worker so both cores get work on small clips.
    static func rowsPerTask(_ s: Conv3DShape) -> Int {
        let balanced = (s.outputPositions + 2 * Parallel.workers - 1) / (2 * Parallel.workers)
        return max(64, min(4096, (1 << 21) / max(1, s.patchSize), balanced))
    }

    /// Gathers im2col rows [row0, row0 + n) into col (n, K). Frames before the start come from
    /// `history` (B, kt-1, H, W, Cin) when given (streaming), else are zero.
    @inline(__always)
    static func gather<T: TensorScalar>(_ x: UnsafePointer<T>, _ s: Conv3DShape, row0: Int, n: Int, col: UnsafeMutablePointer<T>,
                                        history: UnsafePointer<T>? = nil) {
        let (fo, ho, wo) = (s.outFrames, s.outHeight, s.outWidth)
        let cin = s.inChannels, k = s.patchSize
        for r in 0..<n {
            var pos = row0 + r
            let w = pos % wo; pos /= wo
            let h = pos % ho; pos /= ho
            let f = pos % fo
            let b = pos / fo
            var dst = col + r * k
            for dt in 0..<s.kernel.t {
                let fi = f * s.stride.t + dt - (s.kernel.t - 1)
                for dy in 0..<s.kernel.h {
                    let hi = h * s.stride.h + dy - s.padH
                    for dx in 0..<s.kernel.w {
                        let wi = w * s.stride.w + dx - s.padW
                        if hi < 0 || hi >= s.height || wi < 0 || wi >= s.width || (fi < 0 && history == nil) {
                            dst.initialize(repeating: 0, count: cin)
                        } else if fi < 0, let history {
                            let hf = fi + s.kernel.t - 1
                            dst.update(from: history + (((b * (s.kernel.t - 1) + hf) * s.height + hi) * s.width + wi) * cin, count: cin)
                        } else {
                            dst.update(from: x + (((b * s.frames + fi) * s.height + hi) * s.width + wi) * cin, count: cin)
                        }
                        dst += cin
                    }
                }
            }
        }
    }

    /// Adds col rows back into dx (the adjoint of `gather`).
    @inline(__always)
    static func scatter<T: TensorScalar>(_ col: UnsafePointer<T>, _ s: Conv3DShape, row0: Int, n: Int, dx: UnsafeMutablePointer<T>) {
        let (fo, ho, wo) = (s.outFrames, s.outHeight, s.outWidth)
        let cin = s.inChannels, k = s.patchSize
        for r in 0..<n {
            var pos = row0 + r
            let w = pos % wo; pos /= wo
            let h = pos % ho; pos /= ho
            let f = pos % fo
            let b = pos / fo
            var src = col + r * k
            for dt in 0..<s.kernel.t {
                let fi = f * s.stride.t + dt - (s.kernel.t - 1)
                for dy in 0..<s.kernel.h {
                    let hi = h * s.stride.h + dy - s.padH
                    for dxk in 0..<s.kernel.w {
                        let wi = w * s.stride.w + dxk - s.padW
                        if !(fi < 0 || hi < 0 || hi >= s.height || wi < 0 || wi >= s.width) {
                            let d = dx + (((b * s.frames + fi) * s.height + hi) * s.width + wi) * cin
                            for c in 0..<cin { d[c] += src[c] }
                        }
                        src += cin
                    }
                }
            }
        }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func forward<T: TensorScalar>(x: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>?,
                                                y: UnsafeMutablePointer<T>, shape s: Conv3DShape, history: UnsafePointer<T>? = nil) {
        precondition(history == nil || s.stride.t == 1, "streaming history needs temporal stride 1")
        _ = BLAS.configure
        let rows = s.outputPositions, k = s.patchSize, cout = s.outChannels
        let per = rowsPerTask(s)
        let tasks = (rows + per - 1) / per
        Parallel.forRange(tasks, minimumChunk: 1) { range in
            let col = UnsafeMutablePointer<T>.allocate(capacity: per * k)
            defer { col.deallocate() }
            for task in range {
                let row0 = task * per, n = min(per, rows - row0)
                gather(x, s, row0: row0, n: n, col: col, history: history)
                let out = y + row0 * cout
                if let bias { for r in 0..<n { (out + r * cout).update(from: bias, count: cout) } }
                T.gemm(transA: false, transB: false, m: n, n: cout, k: k, alpha: 1, a: col, lda: k, b: weight, ldb: cout,
                       beta: bias == nil ? 0 : 1, c: out, ldc: cout)
            }
        }
    }

    /// Accumulates dx, dWeight, dBias (+=). Worker-private partial sums are combined in worker order.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func backward<T: TensorScalar>(dy: UnsafePointer<T>, x: UnsafePointer<T>, weight: UnsafePointer<T>,
                                                 dx: UnsafeMutablePointer<T>?, dWeight: UnsafeMutablePointer<T>?,
                                                 dBias: UnsafeMutablePointer<T>?, shape s: Conv3DShape) {
        _ = BLAS.configure
        let rows = s.outputPositions, k = s.patchSize, cout = s.outChannels
        let per = rowsPerTask(s)
        let tasks = (rows + per - 1) / per
        let nx = dx == nil ? 0 : s.inputCount
        let width = k * cout + cout + nx
        ParameterGradReducer.run(rows: tasks, width: width, minimumRowsPerPart: 1, into: { (partial: UnsafePointer<T>) in
            if let dWeight { for i in 0..<(k * cout) { dWeight[i] += partial[i] } }
            if let dBias { for i in 0..<cout { dBias[i] += partial[k * cout + i] } }
            if let dx { for i in 0..<nx { dx[i] += partial[k * cout + cout + i] } }
        }) { range, partial in
            let col = UnsafeMutablePointer<T>.allocate(capacity: per * k)
            let dcol = UnsafeMutablePointer<T>.allocate(capacity: per * k)
            defer { col.deallocate(); dcol.deallocate() }
            for task in range {
                let row0 = task * per, n = min(per, rows - row0)
                let dyRows = dy + row0 * cout
                gather(x, s, row0: row0, n: n, col: col)
                T.gemm(transA: true, transB: false, m: k, n: cout, k: n, alpha: 1, a: col, lda: k, b: dyRows, ldb: cout,
                       beta: 1, c: partial, ldc: cout)
                for r in 0..<n { for c in 0..<cout { partial[k * cout + c] += dyRows[r * cout + c] } }
                if nx > 0 {
                    T.gemm(transA: false, transB: true, m: n, n: k, k: cout, alpha: 1, a: dyRows, lda: cout,
                           b: weight, ldb: cout, beta: 0, c: dcol, ldc: k)
                    scatter(dcol, s, row0: row0, n: n, dx: partial + k * cout + cout)
                }
            }
        }
    }

    /// Naive reference, straight from the definition. For tests only.
    public static func reference(x: [Double], weight: [Double], bias: [Double]?, shape s: Conv3DShape) -> [Double] {
        var y = [Double](repeating: 0, count: s.outputCount)
        for b in 0..<s.batch { for f in 0..<s.outFrames { for h in 0..<s.outHeight { for w in 0..<s.outWidth {
            for co in 0..<s.outChannels {
                var acc = bias?[co] ?? 0
                for dt in 0..<s.kernel.t { for dy in 0..<s.kernel.h { for dx in 0..<s.kernel.w {
                    let fi = f * s.stride.t + dt - (s.kernel.t - 1)
                    let hi = h * s.stride.h + dy - s.padH, wi = w * s.stride.w + dx - s.padW
                    if fi < 0 || hi < 0 || hi >= s.height || wi < 0 || wi >= s.width { continue }
                    for ci in 0..<s.inChannels {
                        let xv = x[(((b * s.frames + fi) * s.height + hi) * s.width + wi) * s.inChannels + ci]
                        let wv = weight[(((dt * s.kernel.h + dy) * s.kernel.w + dx) * s.inChannels + ci) * s.outChannels + co]
                        acc += xv * wv
                    }
                }}}
                y[(((b * s.outFrames + f) * s.outHeight + h) * s.outWidth + w) * s.outChannels + co] = acc
            }
        }}}}
        return y
    }
}

/// Nearest-neighbour up-sampling, causal in time: frame 0 stays one frame, every later frame repeats
/// `factor.t` times, so 1 + k frames become 1 + factor.t * k (the inverse of a causal stride).
///   x: (B, F, H, W, C) -> y: (B, 1 + (F-1)*ft, H*fh, W*fw, C)
public enum Upsample3DOp {
    public static func outputFrames(_ frames: Int, _ ft: Int) -> Int { 1 + (frames - 1) * ft }

    @inline(__always)
    static func sourceFrame(_ fo: Int, _ ft: Int, continuation: Bool = false) -> Int {
        continuation ? fo / ft : (fo == 0 ? 0 : 1 + (fo - 1) / ft)
    }

    /// `continuation`: the input continues a stream, so its first frame is not the video's first
    /// and repeats `ft` times like the others (F -> F * ft frames).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func forward<T: TensorScalar>(x: UnsafePointer<T>, y: UnsafeMutablePointer<T>, batch: Int, frames: Int,
                                                height: Int, width: Int, channels c: Int, factor: (t: Int, h: Int, w: Int),
                                                continuation: Bool = false) {
        let fo = continuation ? frames * factor.t : outputFrames(frames, factor.t), ho = height * factor.h, wo = width * factor.w
        Parallel.forRange(batch * fo * ho, minimumChunk: 16) { rows in
            for row in rows {
                let h = row % ho, f = (row / ho) % fo, b = row / (ho * fo)
                let src = x + ((b * frames + sourceFrame(f, factor.t, continuation: continuation)) * height + h / factor.h) * width * c
                let dst = y + row * wo * c
                for w in 0..<wo { (dst + w * c).update(from: src + (w / factor.w) * c, count: c) }
            }
        }
    }

    /// dx += sum of dy over each input element's copies.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func backward<T: TensorScalar>(dy: UnsafePointer<T>, dx: UnsafeMutablePointer<T>, batch: Int, frames: Int,
                                                 height: Int, width: Int, channels c: Int, factor: (t: Int, h: Int, w: Int)) {
        let fo = outputFrames(frames, factor.t), ho = height * factor.h, wo = width * factor.w
        // Parallel over input rows (b, f, h) so no two workers write the same dx element.
        Parallel.forRange(batch * frames * height, minimumChunk: 16) { rows in
            for row in rows {
                let h = row % height, f = (row / height) % frames, b = row / (height * frames)
                let dst = dx + row * width * c
                let firstOut = f == 0 ? 0 : 1 + (f - 1) * factor.t
                let outCount = f == 0 ? 1 : factor.t
                for fOut in firstOut..<(firstOut + outCount) {
                    for hh in (h * factor.h)..<((h + 1) * factor.h) {
                        let src = dy + ((b * fo + fOut) * ho + hh) * wo * c
                        for w in 0..<wo {
                            let d = dst + (w / factor.w) * c, s = src + w * c
                            for ch in 0..<c { d[ch] += s[ch] }
                        }
                    }
                }
            }
        }
    }
}
