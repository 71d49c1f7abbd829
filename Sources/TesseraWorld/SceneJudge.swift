// Judges a clip (rendered or generated) against the scene it was meant to show, from pixels alone.
//
// 1. Background: per-row medians vs each background's look (JudgeSegmentation.swift).
// 2. Blobs: per frame, pixels are labelled with the palette colour they are a mix of, and grouped
//    into same-colour connected blobs.
// 3. Tracks: in the first frame blobs are matched to the intended objects (colour first, then
//    distance to where the object should be); later frames follow each track to the nearest blob.
//    The intended scene is used only to say which blob is which object; every attribute reported
//    is measured from the blobs.
// 4. Per object, over the first 2.5 s (while objects must be in frame) and only frames where the
//    blob does not touch the frame edge:
//    colour  = area-weighted vote of blob colours
//    shape   = vote of BlobFeatures.silhouette (square vs diamond from upright frames)
//    size    = equivalent height sqrt(area / areaFactor(shape)) fitted linearly over t <= 2 s;
//              the intercept is the size at t = 0, slope / intercept the growth rate
//    motion  = growth rate beyond +0.15/-0.10 per s -> grow/shrink; else a centroid track with
//              sideways speed and a periodic vertical residual -> bounce; else a centroid speed over
//              0.07 -> left/right/up/down with its speed class; else a silhouette that changes
//              under a steady centroid (1 - IoU against the first frame swings) -> spin; else still.
// The frames are box-blurred 3x3 first, so moderate noise and blur do not change the answers.
import Foundation
import TesseraMedia

/// What the judge measured for one intended object.
public struct ObjectMeasurement: Sendable {
    public var found = false
    public var color: ObjectColor?
    public var shape: Shape?
    public var size: SizeClass?
    public var motion: Motion?
    /// Centroid velocity in frame widths / heights per second.
    public var velocityX = 0.0, velocityY = 0.0
    /// Relative change of size per second (grow: +0.4, shrink: -0.25).
    public var growthRate = 0.0
    /// RMS of the vertical centroid (or, when the top leaves the frame, the bottom edge) around
    /// its line fit, in frame heights.
    public var verticalWobble = 0.0
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let v = values.sorted()
        return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    }

    /// Spread of 1 - IoU of the centred silhouette against the first frame (see `spinScore`).
    public var spinScore = 0.0
    /// Size at t = 0 as a fraction of frame height.
    public var height = 0.0
    public var framesSeen = 0
}

/// One attribute: what the scene says, what the pixels show, and whether they agree.
public struct AttributeResult: Sendable, Equatable, CustomStringConvertible {
    /// "background", or "color", "shape", "size", "motion", "speed" of object `object`.
    public let attribute: String
    public let object: Int?
    public let expected: String
    public let measured: String
    public var correct: Bool { expected == measured }
    public var description: String {
        let name = object.map { "object \($0 + 1) \(attribute)" } ?? attribute
        return "\(name): expected \(expected), measured \(measured)\(correct ? "" : "  <- wrong")"
    }
}

public struct SceneVerdict: Sendable {
    public let background: Background
    public let objects: [ObjectMeasurement]
    public let results: [AttributeResult]

    public var correctCount: Int { results.filter(\.correct).count }
    public var accuracy: Double { results.isEmpty ? 1 : Double(correctCount) / Double(results.count) }
    public var allCorrect: Bool { results.allSatisfy(\.correct) }

    public func result(_ attribute: String, object: Int? = nil) -> AttributeResult? {
        results.first { $0.attribute == attribute && $0.object == object }
    }
}

extension SceneVerdict: CustomStringConvertible {
    /// One line per attribute, then the score: what `tessera eval` prints per clip.
    public var description: String {
        (results.map(\.description) + ["\(correctCount)/\(results.count) attributes right"]).joined(separator: "\n")
    }
}

public struct SceneJudge: Sendable {
    public init() {}

    public func judge(_ video: Video, intended scene: Scene) -> SceneVerdict {
        guard video.frameCount > 0 else {
            let missing = scene.objects.indices.flatMap { i in
                ["color", "shape", "size"].map { AttributeResult(attribute: $0, object: i, expected: "", measured: "none") }
            }
            return SceneVerdict(background: .studio, objects: scene.objects.map { _ in ObjectMeasurement() },
                                results: [AttributeResult(attribute: "background", object: nil, expected: scene.background.rawValue,
                                                          measured: "none")] + missing)
        }
        let frames = analyzedFrames(video)
        let estimate = JudgeSegmentation.estimateBackground(video, frames: frames)
        let minimumArea = max(6, Int(0.00025 * Double(video.height * video.height)))
        var blurred: [Float] = [], labels: [UInt8] = []
        var tracks = [[Observation]](repeating: [], count: scene.objects.count)
        var last: [(x: Double, y: Double, area: Double)?] = []
        let aspect = Double(video.width) / Double(video.height)
        let h = Double(video.height)

        for (n, f) in frames.enumerated() {
            JudgeSegmentation.blurred(video, frame: f, into: &blurred)
            JudgeSegmentation.label(blurred, width: video.width, height: video.height, background: estimate, into: &labels)
            let blobs = Array(JudgeSegmentation.blobs(labels, width: video.width, height: video.height, minimumArea: minimumArea).prefix(12))
            let t = Double(f) / Double(video.fps)
            if n == 0 {
                last = scene.objects.map { o in
                    let pose = Kinematics.pose(of: o, background: scene.background, aspect: aspect, at: t)
                    return (pose.x * Double(video.width), pose.y * h, ShapeGeometry.areaFactor(o.shape) * o.height * o.height * h * h)
                }
            }
            let choice = assign(blobs, to: scene.objects.map(\.color), near: last, frameHeight: h, gate: n == 0 ? 10 : 0.35)
            for (i, b) in choice.enumerated() {
                guard let b else { continue }
                // Touching another tracked blob means one may hide part of the other.
                let touching = choice.enumerated().contains { j, other in
                    j != i && other.map { Self.near(blobs[b], blobs[$0]) } ?? false
                }
                tracks[i].append(Observation(t: t, blob: blobs[b], touchesOther: touching))
                last[i] = (blobs[b].centroidX, blobs[b].centroidY, Double(blobs[b].area))
            }
        }

        var measurements: [ObjectMeasurement] = []
        var results = [AttributeResult(attribute: "background", object: nil, expected: scene.background.rawValue,
                                       measured: estimate.background.rawValue)]
        for (i, object) in scene.objects.enumerated() {
            let m = measure(tracks[i], video: video, judgeMotion: frames.count > 1)
            measurements.append(m)
            func add(_ attribute: String, _ expected: String, _ measured: String?) {
                results.append(AttributeResult(attribute: attribute, object: i, expected: expected, measured: measured ?? "none"))
            }
            add("color", object.color.rawValue, m.color?.rawValue)
            add("shape", object.shape.rawValue, m.shape?.rawValue)
            add("size", object.size.rawValue, m.size?.rawValue)
            if frames.count > 1 {
                add("motion", Self.motionName(object.motion), m.motion.map(Self.motionName))
                if let speed = object.motion.speed { add("speed", speed.rawValue, m.motion?.speed?.rawValue) }
            }
        }
        return SceneVerdict(background: estimate.background, objects: measurements, results: results)
    }

    struct Observation {
        var t: Double
        var blob: Blob
        var touchesOther: Bool
    }

    /// Bounding boxes within 2 pixels of each other.
    static func near(_ a: Blob, _ b: Blob) -> Bool {
        a.minX <= b.maxX + 2 && b.minX <= a.maxX + 2 && a.minY <= b.maxY + 2 && b.minY <= a.maxY + 2
    }

    /// Motion without its speed: "left", "bounce right", "spin".
    static func motionName(_ m: Motion) -> String {
        m.side.map { "bounce \($0.rawValue)" } ?? m.kind.rawValue
    }

    /// Frames of the first 2.5 s, at most about 12 a second.
    func analyzedFrames(_ video: Video) -> [Int] {
        let lastFrame = min(video.frameCount - 1, Int(Kinematics.inFrameSeconds * Double(video.fps)))
        let step = max(1, Int((Double(video.fps) / 12).rounded()))
        return Array(stride(from: 0, through: max(0, lastFrame), by: step))
    }

    /// Matches blobs to objects (at most 3) by trying every assignment; a missing object costs 4.
    func assign(_ blobs: [Blob], to colors: [ObjectColor], near expected: [(x: Double, y: Double, area: Double)?],
                frameHeight: Double, gate: Double) -> [Int?] {
        func cost(_ b: Int, _ i: Int) -> Double? {
            let blob = blobs[b]
            var c = blob.color == colors[i] ? 0 : 1.5
            if let e = expected[i] {
                let d = ((blob.centroidX - e.x) * (blob.centroidX - e.x) + (blob.centroidY - e.y) * (blob.centroidY - e.y)).squareRoot() / frameHeight
                if d > gate { return nil }
                c += d + 0.3 * abs(log(Double(blob.area) / max(1, e.area)))
            }
            return c
        }
        var best: [Int?] = Array(repeating: nil, count: colors.count)
        var bestCost = Double.infinity
        var current: [Int?] = []
        func search(_ i: Int, _ total: Double) {
            if total >= bestCost { return }
            if i == colors.count { bestCost = total; best = current; return }
            for b in blobs.indices where !current.contains(b) {
                if let c = cost(b, i) { current.append(b); search(i + 1, total + c); current.removeLast() }
            }
            current.append(nil); search(i + 1, total + 4); current.removeLast()
        }
        search(0, 0)
        return best
    }

    func measure(_ track: [Observation], video: Video, judgeMotion: Bool) -> ObjectMeasurement {
        var m = ObjectMeasurement()
        guard !track.isEmpty else { return m }
        m.found = true
        m.framesSeen = track.count
        var votes: [ObjectColor: Int] = [:]
        for o in track { votes[o.blob.color, default: 0] += o.blob.area }
        m.color = votes.max { $0.value != $1.value ? $0.value < $1.value : $0.key.rawValue > $1.key.rawValue }?.key

        // Prefer frames where the whole object is visible: not cut by the frame edge, not touching
        // another object that may hide part of it.
        let inside = track.filter { !$0.blob.touchesBorder }
        let whole = inside.filter { !$0.touchesOther }
        let usable = whole.count >= 2 || whole.count == track.count ? whole : (inside.isEmpty ? track : inside)
        // Without unobstructed frames, read the shape where the blob is largest (least hidden).
        var shapeFrames = usable
        if whole.count < 2, let largest = usable.map(\.blob.area).max() {
            shapeFrames = usable.filter { Double($0.blob.area) >= 0.9 * Double(largest) }
        }
        let features = shapeFrames.map { BlobFeatures($0.blob, width: video.width) }
        var shapeVotes: [Shape: Int] = [:]
        for f in features { shapeVotes[f.silhouette, default: 0] += 1 }
        var shape = shapeVotes.max { $0.value != $1.value ? $0.value < $1.value : $0.key.rawValue > $1.key.rawValue }!.key

        let w = Double(video.width), h = Double(video.height)
        let xs = usable.map { $0.blob.centroidX / w }, ys = usable.map { $0.blob.centroidY / h }, ts = usable.map(\.t)
        let fx = Self.lineFit(ts, xs), fy = Self.lineFit(ts, ys)
        m.velocityX = fx.slope
        m.velocityY = fy.slope
        // A bounce is defined by its bottom, which stays in view when a large object's top leaves
        // the frame at the apex; so also follow the bottom edge on frames cut only at the top.
        let bottomVisible = track.filter { !$0.touchesOther && $0.blob.maxY < video.height - 1 && $0.blob.minX > 0 && $0.blob.maxX < video.width - 1 }
        let fb = Self.lineFit(bottomVisible.map(\.t), bottomVisible.map { Double($0.blob.maxY + 1) / h })
        m.verticalWobble = bottomVisible.count > usable.count ? max(fy.residual, fb.residual) : fy.residual
        m.spinScore = Self.spinScore(usable.map(\.blob), width: video.width)

        // Square and diamond: the silhouette only shows which one while it is not turning. A
        // spinning object is upright again every quarter turn (every 0.5 s), so read those frames.
        if shape == .square {
            let spinning = m.spinScore > Self.spinThreshold && abs(fx.slope) < 0.07 && abs(fy.slope) < 0.07
            var upright = zip(shapeFrames, features).filter { o, _ in
                !spinning || abs(o.t * 2 - (o.t * 2).rounded()) < 0.5 / Double(video.fps)
            }.map { $0.1.isUpright }
            if upright.isEmpty { upright = features.map(\.isUpright) }
            shape = upright.filter { $0 }.count * 2 >= upright.count ? .square : .diamond
        }
        m.shape = shape

        let firstTwoSeconds = usable.filter { $0.t <= 2.0 }
        let early = firstTwoSeconds.isEmpty ? usable : firstTwoSeconds
        let sizes = early.map { (Double($0.blob.area) / ShapeGeometry.areaFactor(shape)).squareRoot() / h }
        let fs = Self.lineFit(early.map(\.t), sizes)
        m.height = fs.intercept
        m.growthRate = fs.intercept > 0 ? fs.slope / fs.intercept : 0
        m.size = SizeClass.nearest(toHeight: m.height)

        guard judgeMotion && usable.count >= 2 else { return m }
        let speed = max(abs(m.velocityX), abs(m.velocityY))
        if m.growthRate > 0.15 {
            m.motion = .grow
        } else if m.growthRate < -0.10 {
            m.motion = .shrink
        } else if m.verticalWobble > 0.035 && abs(m.velocityX) > 0.07 {
            m.motion = .bounce(m.velocityX < 0 ? .left : .right)
        } else if speed > 0.07 {
            let kind: MotionKind = abs(m.velocityX) >= abs(m.velocityY) ? (m.velocityX < 0 ? .left : .right) : (m.velocityY < 0 ? .up : .down)
            m.motion = Motion(kind, speed: Speed.nearest(to: speed))
        } else if m.spinScore > Self.spinThreshold && shape.canSpin {   // a turning ring or ball looks unchanged
            m.motion = .spin
        } else {
            m.motion = .still
        }
        return m
    }

    static let spinThreshold = 0.10

    /// Theil-Sen line y = intercept + slope * t (median of pairwise slopes, so a few bad frames do
    /// not tilt it), and the RMS residual. One point: slope 0.
    static func lineFit(_ t: [Double], _ y: [Double]) -> (intercept: Double, slope: Double, residual: Double) {
        guard !t.isEmpty else { return (0, 0, 0) }
        let n = Double(t.count)
        var slopes: [Double] = []
        for i in t.indices { for j in t.indices where t[j] > t[i] { slopes.append((y[j] - y[i]) / (t[j] - t[i])) } }
        let slope = median(slopes)
        let intercept = median(zip(t, y).map { $1 - slope * $0 })
        var r = 0.0
        for (a, b) in zip(t, y) { let e = b - (intercept + slope * a); r += e * e }
        return (intercept, slope, (r / n).squareRoot())
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let v = values.sorted()
        return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    }

    /// Spread (90th - 10th percentile) of 1 - IoU of each frame's silhouette against the first,
    /// both centred on their centroids.
    static func spinScore(_ blobs: [Blob], width: Int) -> Double {
        guard blobs.count >= 2 else { return 0 }
        // Shift by the rounded centroid difference, so a still blob is compared with no shift at all
        // (rounding each centroid separately would flip by a pixel under noise).
        func offsets(_ b: Blob) -> Set<Int> {
            let dx = Int((b.centroidX - blobs[0].centroidX).rounded()), dy = Int((b.centroidY - blobs[0].centroidY).rounded())
            return Set(b.pixels.map { p in (Int(p) % width - dx + 4096) * 8192 + (Int(p) / width - dy + 4096) })
        }
        let first = offsets(blobs[0])
        let differences = blobs.dropFirst().map { b -> Double in
            let other = offsets(b)
            let shared = first.intersection(other).count
            return 1 - Double(shared) / Double(first.count + other.count - shared)
        }.sorted()
        // Noise changes every frame's outline about equally; turning makes the difference swing
        // between ~0 (whenever the shape comes back to its start) and a large value.
        let low = differences[differences.count / 10], high = differences[differences.count * 9 / 10]
        return high - low
    }
}
