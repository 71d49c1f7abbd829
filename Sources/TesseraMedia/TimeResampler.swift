// Frame-rate conversion by presentation time: how many copies of each decoded frame to emit.

struct TimeResampler {
    /// nil: keep every decoded frame once.
    let outputFPS: Double?
    /// Used when a timestamp is missing or implausible.
    let nominalDuration: Double
    /// Stop after this many output frames.
    let limit: Int
    private(set) var emitted = 0
    private var origin: Double?
    private var last: Double?

    init(outputFPS: Double?, nominalDuration: Double, limit: Int) {
        self.outputFPS = outputFPS
        self.nominalDuration = nominalDuration
        self.limit = limit
    }

    var isFull: Bool { emitted >= limit }

    /// A decoded frame's time in seconds from the first frame, repaired when missing, backwards
    /// or more than 10 s after the previous one.
    mutating func place(_ raw: Double?) -> Double {
        guard let previous = last else {
            origin = raw ?? 0
            last = 0
            return 0
        }
        var t = raw.map { $0 - (origin ?? 0) } ?? .nan
        if !t.isFinite || t <= previous || t > previous + 10 { t = previous + nominalDuration }
        last = t
        return t
    }

    /// Copies of the frame shown from `time` until `next`: one per output tick k/fps in
    /// [time, next). A frame due up to min(12 ms, a quarter tick) after a tick still takes it:
    /// GIF delays are whole centiseconds (12 fps is stored as 8, 8, 9 cs ...), and time bases round.
    mutating func copies(frameAt time: Double, nextAt next: Double) -> Int {
        guard let fps = outputFPS else {
            let n = min(1, limit - emitted)
            emitted += n
            return n
        }
        let epsilon = min(0.012, 0.25 / fps)
        var n = 0
        while emitted + n < limit && Double(emitted + n) / fps < next - epsilon {
            n += 1
        }
        // Ticks before `time` cannot happen: frames arrive in order and the first is at 0.
        emitted += n
        return n
    }
}
