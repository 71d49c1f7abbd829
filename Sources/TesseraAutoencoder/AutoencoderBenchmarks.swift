// `tessera bench vae`: encode and decode throughput (frames per second) at preview and full size,
// with the peak resident memory of each measurement.
import TesseraEngine

public struct AutoencoderBenchmarkRow: Sendable {
    public var name: String
    public var width: Int, height: Int, frames: Int
    public var seconds: Double
    public var framesPerSecond: Double { Double(frames) / seconds }
    public var peakResidentBytes: Int
    public var gflops: Double
}

public enum AutoencoderBenchmarks {
    public static func run(vae: VideoAutoencoder, sizes: [(width: Int, height: Int, frames: Int)],
                           log: (String) -> Void = { _ in }) -> [AutoencoderBenchmarkRow] {
        var rows: [AutoencoderBenchmarkRow] = []
        var rng = RandomGenerator(seed: 1)
        for size in sizes {
            let video = Tensor<Float>(randomNormal: [1, size.frames, size.height, size.width, 3], scale: 0.5, rng: &rng)
            ProcessMemory.resetPeak()
            var latent = vae.encode(video)   // warm-up
            let encode = Benchmark.measure("encode", flops: 0, minimumSeconds: 0.5, maximumRuns: 5) { latent = vae.encode(video) }
            rows.append(AutoencoderBenchmarkRow(name: "encode_\(size.width)x\(size.height)_f\(size.frames)", width: size.width,
                                                height: size.height, frames: size.frames, seconds: encode.medianSeconds,
                                                peakResidentBytes: ProcessMemory.peakResidentBytes(), gflops: 0))
            log(rows.last!.name)
            ProcessMemory.resetPeak()
            let decode = Benchmark.measure("decode", flops: 0, minimumSeconds: 0.5, maximumRuns: 5) { _ = vae.decode(latent) }
            rows.append(AutoencoderBenchmarkRow(name: "decode_\(size.width)x\(size.height)_f\(size.frames)", width: size.width,
                                                height: size.height, frames: size.frames, seconds: decode.medianSeconds,
                                                peakResidentBytes: ProcessMemory.peakResidentBytes(), gflops: 0))
            log(rows.last!.name)
            ProcessMemory.resetPeak()
            let tiled = Benchmark.measure("decode_tiled", flops: 0, minimumSeconds: 0.5, maximumRuns: 5) {
                vae.decodeTiled(latent) { _, _ in }
            }
            rows.append(AutoencoderBenchmarkRow(name: "decode_tiled_\(size.width)x\(size.height)_f\(size.frames)", width: size.width,
                                                height: size.height, frames: size.frames, seconds: tiled.medianSeconds,
                                                peakResidentBytes: ProcessMemory.peakResidentBytes(), gflops: 0))
            log(rows.last!.name)
        }
        return rows
    }
}
