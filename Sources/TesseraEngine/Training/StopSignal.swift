// Graceful stop for long runs: after SIGINT or SIGTERM, a training loop finishes its current step,
// writes a checkpoint and returns, instead of dying with up to one checkpoint interval lost.
#if canImport(Glibc)
import Glibc
#endif

public enum StopSignal {
    nonisolated(unsafe) private static var requested: sig_atomic_t = 0

    /// Installs the handlers (idempotent). A second signal while stopping exits at once.
    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { sig in
            if StopSignal.requested != 0 { _exit(128 + sig) }
            StopSignal.requested = 1
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    public static var isRequested: Bool { requested != 0 }
}
