// Loss weights for DiT training: latent pixels that objects touch count 1 + w times as much as
// background ones. Objects cover a few percent of a frame, so under a plain mean the model learns
// the background long before the objects (measured: backgrounds 90% right, colours 34% after 12k
// steps). World clips know where their objects are: the clip minus its background-only render.
import TesseraMedia

public enum ObjectLossWeights {
    /// 1 + objectWeight on each latent pixel whose 8x8 block, in any frame that latent frame
    /// covers (frame 0 for latent frame 0, frames 4k-3...4k for latent frame k), differs from the
    /// background-only render; 1 everywhere without a background (dataset clips).
    public static func latentWeights(video: Video, background: Video?, latentShape: [Int], spatialFactor sf: Int, temporalFactor tf: Int,
                                     objectWeight: Float) -> [Float] {
        let fz = latentShape[1], hz = latentShape[2], wz = latentShape[3]
        var out = [Float](repeating: 1, count: fz * hz * wz)
        guard let background, background.pixels.count == video.pixels.count else { return out }
        let w = video.width, h = video.height
        video.pixels.withUnsafeBufferPointer { a in background.pixels.withUnsafeBufferPointer { bg in
            for k in 0..<fz {
                let frames = k == 0 ? 0...0 : max(0, tf * k - tf + 1)...min(video.frameCount - 1, tf * k)
                for y in 0..<hz {
                    for x in 0..<wz {
                        var touched = false
                        search: for f in frames {
                            for py in (y * sf)..<min(h, (y + 1) * sf) {
                                let row = ((f * h + py) * w + x * sf) * 3
                                for i in row..<(row + min(sf, w - x * sf) * 3) where abs(Int(a[i]) - Int(bg[i])) > 8 { touched = true; break search }
                            }
                        }
                        if touched { out[(k * hz + y) * wz + x] = 1 + objectWeight }
                    }
                }
            }
        }}
        return out
    }
}
