// The element types the engine computes in: Float for work, Double for gradient checks.
// Every op is generic over `TensorScalar` and pre-specialized for both, so the finite-difference
// checks exercise exactly the code that trains.
import CCBLAS
#if canImport(Glibc)
import Glibc
#endif

public protocol TensorScalar: BinaryFloatingPoint, Codable, Sendable {
    /// C = alpha * op(A) * op(B) + beta * C, row-major, through BLAS.
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func erf(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
}

extension Float: TensorScalar {
    @inline(__always)
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    @inline(__always) public static func exp(_ x: Float) -> Float { expf(x) }
    @inline(__always) public static func log(_ x: Float) -> Float { logf(x) }
    @inline(__always) public static func tanh(_ x: Float) -> Float { tanhf(x) }
    @inline(__always) public static func erf(_ x: Float) -> Float { erff(x) }
    @inline(__always) public static func sin(_ x: Float) -> Float { sinf(x) }
    @inline(__always) public static func cos(_ x: Float) -> Float { cosf(x) }
    @inline(__always) public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
}

extension Double: TensorScalar {
    @inline(__always)
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    @inline(__always) public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    @inline(__always) public static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    @inline(__always) public static func erf(_ x: Double) -> Double { Glibc.erf(x) }
    @inline(__always) public static func sin(_ x: Double) -> Double { Glibc.sin(x) }
    @inline(__always) public static func cos(_ x: Double) -> Double { Glibc.cos(x) }
    @inline(__always) public static func pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
}
