// `tessera bench vae`: encode and decode throughput (frames per second) at preview and full size,
// untiled and tiled, with peak resident memory. The command runs each measurement in its own
// process, so one measurement's retained heap never counts toward another's peak.
import TesseraEngine

public struct AutoencoderBenchmarkRow: Sendable, Codable {
    public var name: String
    public var width: Int, height: Int, frames: Int
    public var seconds: Double
    public var framesPerSecond: Double { Double(frames) / seconds }
    public var peakResidentBytes: Int
}

public enum AutoencoderBenchmarks {
    public enum Kind: String, CaseIterable, Sendable { case encode, decode, decodeTiled = "decode_tiled" }

    /// One measurement (median of up to 5 runs after a warm-up) in this process.
    public static func measure(_ kind: Kind, vae: VideoAutoencoder, width: Int, height: Int, frames: Int) -> AutoencoderBenchmarkRow {
        var rng = RandomGenerator(seed: 1)
        let name = "\(kind.rawValue)_\(width)x\(height)_f\(frames)"
        let seconds: Double
        if kind == .encode {
            let video = Tensor<Float>(randomNormal: [1, frames, height, width, 3], scale: 0.5, rng: &rng)
            ProcessMemory.resetPeak()
            seconds = Benchmark.measure(name, flops: 0, minimumSeconds: 0.5, maximumRuns: 5) { _ = vae.encode(video) }.medianSeconds
        } else {
            let z = vae.config.latentSize(frames: frames, height: height, width: width)
            let latent = Tensor<Float>(randomNormal: [1, z.frames, z.height, z.width, vae.config.latentChannels], rng: &rng)
            ProcessMemory.resetPeak()
            seconds = Benchmark.measure(name, flops: 0, minimumSeconds: 0.5, maximumRuns: 5) {
                if kind == .decode { _ = vae.decode(latent) } else { vae.decodeTiled(latent) { _, _ in } }
            }.medianSeconds
        }
        return AutoencoderBenchmarkRow(name: name, width: width, height: height, frames: frames, seconds: seconds,
                                       peakResidentBytes: ProcessMemory.peakResidentBytes())
    }
}
