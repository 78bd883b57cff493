import Foundation
import Synchronization

/// The disk's own fsync latency, measured beside a run: a thread appends 4 KiB to a file next to
/// the store and `fdatasync`s it, 50 times a second. A hand-off's tail that the probe's tail
/// matches is the disk's; one the probe does not show is the code's.
final class FsyncProbe: Sendable {
    private let recorder = Mutex(LatencyRecorder())
    private let stopRequested = Atomic(false)
    private let finished = DispatchSemaphore(value: 0)
    private let path: String

    init(directory: String) {
        path = (directory as NSString).appendingPathComponent("fsync-probe.bin")
    }

    func start() {
        Thread { [self] in
            defer { finished.signal() }
            let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            guard descriptor >= 0 else { return }
            defer { close(descriptor); unlink(path) }
            let block = [UInt8](repeating: 0x5A, count: 4096)
            let clock = ContinuousClock()
            while !stopRequested.load(ordering: .relaxed) {
                let started = clock.now
                let written = block.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                guard written == block.count, fdatasync(descriptor) == 0 else { return }
                let took = clock.now - started
                recorder.withLock { $0.record(took) }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }.start()
    }

    /// Stops the probe and returns what it measured.
    func stop() -> LatencySummary {
        stopRequested.store(true, ordering: .relaxed)
        finished.wait()
        return recorder.withLock { $0.summary }
    }
}
