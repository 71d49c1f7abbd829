// BLAS configuration and the engine's GEMM entry points.
//
// OpenBLAS runs single-threaded under the engine: the engine splits GEMMs over its own workers
// (by rows of C), which keeps results independent of thread timing and lets attention run one
// small GEMM per worker without OpenBLAS spawning threads inside threads.
import CCBLAS
#if canImport(Glibc)
import Glibc
#endif

public enum BLAS {
    /// Called once before any GEMM. Pins OpenBLAS to one thread per call, and keeps freed memory
    /// in the heap for reuse: by default glibc maps every block over 128 KiB afresh, and the kernel
    /// then zeroes each new page (measured: 12% of a video decode went to clear_page).
    public static let configure: Void = {
        openblas_set_num_threads(1)
        tessera_keep_freed_memory()
    }()

    /// The OpenBLAS kernel family in use (for example "Cooperlake", "SkylakeX", "Haswell").
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// OpenBLAS build configuration string.
    public static var config: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }

    /// A warning when OPENBLAS_CORETYPE forces kernels below what this CPU supports, else nil.
    public static var coreWarning: String? {
        guard let forced = getenv("OPENBLAS_CORETYPE").map({ String(cString: $0) }) else { return nil }
        return "OPENBLAS_CORETYPE=\(forced) is set: OpenBLAS uses the \(coreName) kernels, which may be slower than this CPU allows; unset it (env -u OPENBLAS_CORETYPE) to measure"
    }

    /// C[M,N] = alpha * op(A) * op(B) + beta * C, row-major, split over `threads` workers by rows of C.
    @inline(__always)
    public static func gemm<T: TensorScalar>(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                                             alpha: T = 1, a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                             beta: T = 0, c: UnsafeMutablePointer<T>, ldc: Int,
                                             threads: Int = Parallel.workers) {
        _ = configure
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        // Split the larger of M and N; small problems stay on one thread.
        let work = m * n * k
        let parts = work < 1 << 18 ? 1 : min(threads, max(m, n) / 16)
        if parts <= 1 {
            T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                   b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let splitRows = m >= n
        let total = splitRows ? m : n
        // Align pieces to 16 so the BLAS micro-kernels stay on full panels.
        let blocks = (total + 15) / 16
        withoutActuallyEscaping({ (p: Int) in
            let lo = min(total, Parallel.chunkRange(p, of: parts, count: blocks).lowerBound * 16)
            let hi = min(total, Parallel.chunkRange(p, of: parts, count: blocks).upperBound * 16)
            if hi <= lo { return }
            if splitRows {
                let aOff = transA ? lo : lo * lda
                T.gemm(transA: transA, transB: transB, m: hi - lo, n: n, k: k, alpha: alpha, a: a + aOff, lda: lda,
                       b: b, ldb: ldb, beta: beta, c: c + lo * ldc, ldc: ldc)
            } else {
                let bOff = transB ? lo * ldb : lo
                T.gemm(transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha, a: a, lda: lda,
                       b: b + bOff, ldb: ldb, beta: beta, c: c + lo, ldc: ldc)
            }
        }) { body in
            DispatchQueue.concurrentPerform(iterations: parts, execute: body)
        }
    }
}

import Dispatch
