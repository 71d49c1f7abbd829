// Whether layers keep what their backward pass needs. Training keeps it (the default); sampling
// runs inside `Autograd.withoutRecording`, where every layer drops its cache instead: at a 7488-token
// full render the cached activations were about 110 MB per DiT block, which together with the
// allocator's retention put the render's peak memory above 2 GiB in some runs (docs/performance.md).
//
// Process-wide, set by the thread that runs a generation; training and sampling never run in one
// process at the same time (the studio only samples). A layer's backward after an unrecorded
// forward is a programming error and stops with a message.
public enum Autograd {
    nonisolated(unsafe) public private(set) static var isRecording = true

    /// Runs `body` with recording off, restoring the previous state afterwards (nesting is fine).
    public static func withoutRecording<R>(_ body: () throws -> R) rethrows -> R {
        let previous = isRecording
        isRecording = false
        defer { isRecording = previous }
        return try body()
    }

    /// `value` when recording, else nil: `cache = Autograd.keep((a, b))`.
    @inline(__always) public static func keep<V>(_ value: @autoclosure () -> V) -> V? {
        isRecording ? value() : nil
    }
}
