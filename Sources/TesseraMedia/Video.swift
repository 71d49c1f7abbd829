// A clip of RGB frames in memory: the currency between the world renderer, the models and the
// media encoders/decoders.

/// 8-bit sRGB video, frames stored one after another, rows top to bottom, pixels as R, G, B bytes.
public struct Video: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// Frames per second.
    public let fps: Int
    /// frameCount * height * width * 3 bytes.
    public var pixels: [UInt8]

    public var frameCount: Int { width * height == 0 ? 0 : pixels.count / (width * height * 3) }
    public var frameByteCount: Int { width * height * 3 }

    public init(width: Int, height: Int, fps: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && fps > 0, "video needs a positive size and frame rate")
        precondition(pixels.count % (width * height * 3) == 0, "pixel buffer is not a whole number of frames")
        self.width = width
        self.height = height
        self.fps = fps
        self.pixels = pixels
    }

    public init(width: Int, height: Int, fps: Int, frameCount: Int) {
        self.init(width: width, height: height, fps: fps, pixels: [UInt8](repeating: 0, count: width * height * 3 * frameCount))
    }

    /// The bytes of one frame.
    public func frame(_ index: Int) -> ArraySlice<UInt8> {
        pixels[index * frameByteCount ..< (index + 1) * frameByteCount]
    }
}
