// The settings panel's values and the frame sizes they imply. Sizes follow `tessera world render
// --aspect`: about the pixel count of a 16:9 frame of the chosen height, sides multiples of 16.
import Foundation

public struct Aspect: Equatable, Sendable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public init(_ width: Int, _ height: Int) { self.width = width; self.height = height }
    public static let presets: [Aspect] = [Aspect(16, 9), Aspect(9, 16), Aspect(1, 1), Aspect(4, 3), Aspect(21, 9)]
    public var ratio: Double { Double(width) / Double(height) }
    public var description: String { "\(width):\(height)" }
    public var isPreset: Bool { Aspect.presets.contains(self) }

    /// Parses "W:H" with positive integers and a ratio between 1:8 and 8:1.
    public static func parse(_ text: String) -> Aspect? {
        let parts = text.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0, w <= 100, h <= 100 else { return nil }
        let r = Double(w) / Double(h)
        guard r >= 1.0 / 8 && r <= 8 else { return nil }
        return Aspect(w, h)
    }
}

public struct StudioSettings: Equatable, Sendable {
    public var aspect = Aspect(16, 9)
    /// Seconds; 0 makes a single image.
    public var duration = 4.0
    public var seed: UInt64 = 0
    /// A locked seed is kept for every preview; an unlocked one is re-rolled before each preview.
    public var seedLocked = true
    public var steps = 30
    public var guidance = 5.0
    /// Heights of the 16:9 frame with the same pixel count (the preview size and the final size).
    public var previewHeight = 144
    public var finalHeight = 288
    public var fps = 12

    public init() {}

    public static let durations: [Double] = [0, 1, 2, 3, 4, 6, 8, 10]
    public static let previewHeights = [72, 108, 144]
    public static let finalHeights = [144, 216, 288, 432, 576]

    /// Frame size for a 16:9-equivalent height at the current aspect.
    public func frameSize(height16x9: Int) -> (width: Int, height: Int) {
        let pixels = Double(height16x9 * 16 / 9 * height16x9)
        let w = (pixels * aspect.ratio).squareRoot(), h = (pixels / aspect.ratio).squareRoot()
        return (max(16, Int((w / 16).rounded()) * 16), max(16, Int((h / 16).rounded()) * 16))
    }

    public var previewSize: (width: Int, height: Int) { frameSize(height16x9: previewHeight) }
    public var finalSize: (width: Int, height: Int) { frameSize(height16x9: finalHeight) }
    public var frameCount: Int { 1 + Int((max(0, duration) * Double(fps)).rounded()) }

    /// A fresh seed from the system's random source (never 0, so a re-roll always changes it).
    public static func randomSeed() -> UInt64 { UInt64.random(in: 1...999_999) }
}
