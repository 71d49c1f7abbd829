// Runs generation off the UI thread. The UI thread never waits on a job: it starts one, polls
// `drainEvents()` between key reads, and cancels by setting a flag the generator polls once per
// step (cooperative cancel). Starting a new job cancels the running one; its late events are
// dropped because they carry an older job id.
import Foundation
import TesseraMedia

public enum JobKind: String, Sendable { case preview, render }

public enum JobEvent: Sendable {
    case progress(job: Int, GenerationProgress)
    case finished(job: Int, Video, Double)
    case saved(job: Int, RenderRecord)
    case cancelled(job: Int)
    case failed(job: Int, String)

    public var job: Int {
        switch self {
        case .progress(let j, _), .finished(let j, _, _), .saved(let j, _), .cancelled(let j), .failed(let j, _): return j
        }
    }
}

public final class BackgroundJobs: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [JobEvent] = []
    private var cancelFlags: [Int: Bool] = [:]
    private var running: Set<Int> = []
    private var nextID = 0
    /// The job whose events the UI shows.
    public private(set) var current: Int?
    public private(set) var currentKind: JobKind?

    public init() {}

    /// Starts `work` on a new thread, cancelling the current job. `work` gets the job id, a cancel
    /// check and a function to post events; it returns the final event.
    @discardableResult
    public func start(_ kind: JobKind, _ work: @escaping @Sendable (_ job: Int, _ isCancelled: @escaping @Sendable () -> Bool,
                                                             _ post: @escaping @Sendable (JobEvent) -> Void) -> JobEvent) -> Int {
        lock.lock()
        if let c = current { cancelFlags[c] = true }
        nextID += 1
        let id = nextID
        cancelFlags[id] = false
        running.insert(id)
        current = id
        currentKind = kind
        lock.unlock()
        let thread = Thread { [self] in
            let final = work(id, { self.isCancelled(id) }, { self.post($0) })
            self.post(final)
            self.lock.lock()
            self.running.remove(id)
            self.cancelFlags[id] = nil
            self.lock.unlock()
        }
        thread.name = "tessera-\(kind.rawValue)-\(id)"
        thread.stackSize = 8 << 20
        thread.start()
        return id
    }

    public func isCancelled(_ id: Int) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return cancelFlags[id] ?? true
    }

    /// Asks the current job to stop; returns false if none was running.
    @discardableResult
    public func cancelCurrent() -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard let c = current, running.contains(c) else { return false }
        cancelFlags[c] = true
        return true
    }

    public var isBusy: Bool {
        lock.lock(); defer { lock.unlock() }
        return current.map { running.contains($0) } ?? false
    }

    public var anyRunning: Bool {
        lock.lock(); defer { lock.unlock() }
        return !running.isEmpty
    }

    /// Cancels everything and waits (up to `timeout` seconds) for the threads to finish, so no
    /// write is cut off when the program exits.
    public func cancelAllAndWait(timeout: Double) {
        lock.lock()
        for k in cancelFlags.keys { cancelFlags[k] = true }
        lock.unlock()
        let deadline = Date().addingTimeInterval(timeout)
        while anyRunning && Date() < deadline { usleep(5_000) }
    }

    private func post(_ event: JobEvent) {
        lock.lock()
        // Progress events replace an unread progress event of the same job (the UI shows the latest).
        if case .progress = event, let last = events.last, case .progress = last, last.job == event.job {
            events[events.count - 1] = event
        } else {
            events.append(event)
        }
        lock.unlock()
    }

    /// Events of the current job since the last call (older jobs' events are dropped).
    public func drainEvents() -> [JobEvent] {
        lock.lock(); defer { lock.unlock() }
        let out = events.filter { $0.job == current }
        events.removeAll()
        return out
    }
}
