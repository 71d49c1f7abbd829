// Conversions between 8-bit videos and the network's float tensors.
//   Video (RGB bytes) <-> Tensor (1, F, H, W, 3) with values in [-1, 1].
import TesseraEngine
import TesseraMedia

extension Tensor where T == Float {
    /// A video as a (1, F, H, W, 3) tensor in [-1, 1].
    public init(video: Video) {
        self.init(uninitialized: [1, video.frameCount, video.height, video.width, 3])
        withUnsafeMutablePointer { p in
            video.pixels.withUnsafeBufferPointer { src in
                for i in 0..<src.count { p[i] = Float(src[i]) * (2.0 / 255.0) - 1 }
            }
        }
    }

    /// Frames of a (1, F, H, W, 3) tensor in [-1, 1] as an 8-bit video (values clamped, rounded).
    public func video(fps: Int) -> Video {
        let (_, f, h, w, _) = shape5
        var pixels = [UInt8](repeating: 0, count: f * h * w * 3)
        withUnsafePointer { p in
            for i in 0..<pixels.count {
                let v = (p[i] + 1) * 127.5
                pixels[i] = UInt8(Swift.max(0, Swift.min(255, v.rounded())))
            }
        }
        return Video(width: w, height: h, fps: fps, pixels: pixels)
    }
}
