// Work splitting over the machine's cores. Chunks are fixed by the problem size (never by thread
// timing), so any reduction that combines per-chunk results in chunk order is deterministic.
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

public enum Parallel {
    /// Number of worker threads used by engine kernels (defaults to the number of cores, at most 2
    /// per the design card; TESSERA_THREADS overrides).
    nonisolated(unsafe) public static var workers: Int = {
        if let text = getenv("TESSERA_THREADS").map({ String(cString: $0) }), let n = Int(text), n > 0 { return n }
        return max(1, min(sysconf(Int32(_SC_NPROCESSORS_ONLN)), 16))
    }()

    /// Calls `body` on disjoint sub-ranges covering 0..<count, in parallel when the work is big enough.
    @inline(__always)
    public static func forRange(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let chunks = min(workers, max(1, count / max(1, minimumChunk)))
        if chunks <= 1 { body(0..<count); return }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                body(chunkRange(c, of: chunks, count: count))
            }
        }
    }

    /// Calls `body(index)` for each index in 0..<count, spreading indices over the workers.
    @inline(__always)
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        forRange(count, minimumChunk: 1) { range in for i in range { body(i) } }
    }

    /// The c-th of `chunks` nearly equal pieces of 0..<count.
    @inline(__always)
    public static func chunkRange(_ c: Int, of chunks: Int, count: Int) -> Range<Int> {
        let lo = count * c / chunks, hi = count * (c + 1) / chunks
        return lo..<hi
    }
}
