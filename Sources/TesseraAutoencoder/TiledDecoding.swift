// Decoding in tiles over time and space, so memory is bounded by the tile size whatever the
// video's length or size.
//
// Time: the decoder is causal, so the latent is streamed through it in chunks of `frames` latent
// frames, each causal conv carrying its last kt-1 input frames to the next chunk (`StreamState`).
// This is exact: no overlap, no recomputation, no blinking at chunk boundaries.
// Space: tiles of `size` latent pixels advancing by `size - overlap`, each with its own stream
// state, cross-faded with linear ramps over the overlap. Finished frames are handed to `emit` in
// order, so a long video never sits in memory as floats.
import TesseraEngine
import TesseraMedia

public struct DecodeTiling: Sendable, Equatable {
    public var frames: Int
    public var size: Int, overlap: Int
    public init(frames: Int = 3, size: Int = 64, overlap: Int = 8) {
        precondition(frames >= 1 && size > overlap && overlap >= 0, "invalid tiling")
        self.frames = frames; self.size = size; self.overlap = overlap
    }
    public static let standard = DecodeTiling()
}

extension VideoAutoencoder {
    /// Tile starts covering 0..<length with tiles of `size` advancing by `size - overlap`.
    public static func tileStarts(length: Int, size: Int, overlap: Int) -> [Int] {
        if length <= size { return [0] }
        var starts: [Int] = []
        var s = 0
        while s + size < length { starts.append(s); s += size - overlap }
        starts.append(length - size)
        return starts
    }

    /// Blend weights along one axis for the tile at `starts[index]`: ramps over the overlaps with
    /// the neighbouring tiles, 1 elsewhere (`scale` output pixels per latent pixel).
    static func rampWeights(starts: [Int], index: Int, size: Int, length: Int, scale: Int) -> [Float] {
        let start = starts[index], count = min(size, length - start) * scale
        let before = index > 0 ? (starts[index - 1] + size - start) * scale : 0
        let after = index + 1 < starts.count ? (start + size - starts[index + 1]) * scale : 0
        return (0..<count).map { i in
            var w: Float = 1
            if before > 0 && i < before { w = min(w, (Float(i) + 0.5) / Float(before)) }
            if after > 0 && i >= count - after { w = min(w, (Float(count - i) - 0.5) / Float(after)) }
            return w
        }
    }

    /// Decodes a (1, Fz, Hz, Wz, Cz) latent tile by tile, calling `emit(frameIndex, frame)` with each
    /// finished frame (H, W, 3 floats in about [-1, 1]) in order.
    public func decodeTiled(_ latent: Tensor<Float>, tiling: DecodeTiling = .standard,
                            emit: (Int, [Float]) throws -> Void) rethrows {
        let (b, fz, hz, wz, cz) = latent.shape5
        precondition(b == 1, "tiled decoding takes one video at a time")
        let sf = config.spatialFactor, tf = config.temporalFactor
        let height = hz * sf, width = wz * sf
        let yStarts = VideoAutoencoder.tileStarts(length: hz, size: tiling.size, overlap: tiling.overlap)
        let xStarts = VideoAutoencoder.tileStarts(length: wz, size: tiling.size, overlap: tiling.overlap)
        let rowWeights = yStarts.indices.map { VideoAutoencoder.rampWeights(starts: yStarts, index: $0, size: tiling.size, length: hz, scale: sf) }
        let colWeights = xStarts.indices.map { VideoAutoencoder.rampWeights(starts: xStarts, index: $0, size: tiling.size, length: wz, scale: sf) }
        var streams = [[StreamState<Float>]](repeating: [], count: yStarts.count)
        for i in yStarts.indices { streams[i] = xStarts.map { _ in StreamState<Float>() } }

        var nextFrame = 0
        var t0 = 0
        while t0 < fz {
            let tCount = min(tiling.frames, fz - t0)
            let outFrames = t0 == 0 ? 1 + (tCount - 1) * tf : tCount * tf
            var sum = [Float](repeating: 0, count: outFrames * height * width * 3)
            var weight = [Float](repeating: 0, count: height * width)
            for (yi, y0) in yStarts.enumerated() {
                for (xi, x0) in xStarts.enumerated() {
                    let hCount = min(tiling.size, hz - y0), wCount = min(tiling.size, wz - x0)
                    var tile = Tensor<Float>(uninitialized: [1, tCount, hCount, wCount, cz])
                    tile.withUnsafeMutablePointer { dst in latent.withUnsafePointer { src in
                        for f in 0..<tCount { for y in 0..<hCount {
                            (dst + ((f * hCount + y) * wCount) * cz).update(from: src + (((t0 + f) * hz + y0 + y) * wz + x0) * cz, count: wCount * cz)
                        }}
                    }}
                    let decoded = decode(tile, stream: streams[yi][xi])   // (1, outFrames, th, tw, 3)
                    let th = hCount * sf, tw = wCount * sf
                    let rw = rowWeights[yi], cw = colWeights[xi]
                    decoded.withUnsafePointer { d in
                        for y in 0..<th {
                            let gy = y0 * sf + y
                            for x in 0..<tw {
                                let w = rw[y] * cw[x]
                                let p = gy * width + x0 * sf + x
                                weight[p] += w
                                for f in 0..<outFrames {
                                    let s = d + ((f * th + y) * tw + x) * 3
                                    let o = (f * height * width + p) * 3
                                    sum[o] += w * s[0]; sum[o + 1] += w * s[1]; sum[o + 2] += w * s[2]
                                }
                            }
                        }
                    }
                }
            }
            for f in 0..<outFrames {
                var frame = Array(sum[(f * height * width * 3)..<((f + 1) * height * width * 3)])
                for p in 0..<(height * width) {
                    let inv = 1 / weight[p]
                    frame[3 * p] *= inv; frame[3 * p + 1] *= inv; frame[3 * p + 2] *= inv
                }
                try emit(nextFrame, frame)
                nextFrame += 1
            }
            t0 += tCount
        }
    }
}

extension VideoAutoencoder {
    /// Tiled decode of a (1, Fz, Hz, Wz, C) raw latent straight into an 8-bit video, keeping the
    /// first `frames` frames (all 1 + 4 (Fz - 1) when nil).
    public func decodeVideo(_ latent: Tensor<Float>, fps: Int, frames: Int? = nil, tiling: DecodeTiling = .standard) -> Video {
        let (_, fz, hz, wz, _) = latent.shape5
        let w = wz * config.spatialFactor, h = hz * config.spatialFactor
        let decoded = 1 + (fz - 1) * config.temporalFactor
        let kept = min(decoded, frames ?? decoded)
        let frameSize = w * h * 3
        var pixels = [UInt8](repeating: 0, count: kept * frameSize)
        decodeTiled(latent, tiling: tiling) { index, frame in
            guard index < kept else { return }
            pixels.withUnsafeMutableBufferPointer { out in
                let base = index * frameSize
                for i in 0..<frame.count { out[base + i] = UInt8(max(0, min(255, ((frame[i] + 1) * 127.5).rounded()))) }
            }
        }
        return Video(width: w, height: h, fps: fps, pixels: pixels)
    }
}
