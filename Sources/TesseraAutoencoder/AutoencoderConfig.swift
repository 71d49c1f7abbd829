// Shape of the video compression network. Stored as JSON in the weights' safetensors metadata.

public struct AutoencoderConfig: Codable, Equatable, Sendable {
    /// Channels of the latent (the diffusion transformer's input width per latent pixel).
    public var latentChannels: Int
    /// Pixels folded into channels before the first conv (space-to-depth), and unfolded after the
    /// last: the network never runs a conv at full resolution, where it would cost the most.
    public var patch: Int
    /// Channels per resolution stage after the patch fold: 1/patch, 1/(2 patch), ... (spatial factor =
    /// patch * 2^(count-1)).
    public var channels: [Int]
    /// Whether each down-sampling step (between stage i and i+1) also halves time.
    public var temporalDownsample: [Bool]
    /// Residual blocks per stage.
    public var blocksPerStage: Int
    /// Weight of the KL term relative to the per-pixel reconstruction error.
    public var klWeight: Double
    /// Residual blocks per decoder stage when the decoder is deeper than the encoder (nil: as many
    /// as `blocksPerStage`). Absent from the JSON of configs without it, so older files read alike.
    public var decoderBlocksPerStage: Int?

    public var decoderBlocks: Int { decoderBlocksPerStage ?? blocksPerStage }

    public init(latentChannels: Int, patch: Int, channels: [Int], temporalDownsample: [Bool], blocksPerStage: Int = 1,
                klWeight: Double = 1e-4) {
        self.patch = patch
        precondition(temporalDownsample.count == channels.count - 1, "one temporal flag per down-sampling step")
        self.latentChannels = latentChannels
        self.channels = channels
        self.temporalDownsample = temporalDownsample
        self.blocksPerStage = blocksPerStage
        self.klWeight = klWeight
    }

    /// 8x space, 4x time, 16 latent channels: the shipped configuration (see docs/architecture.md).
    public static let standard = AutoencoderConfig(latentChannels: 16, patch: 2, channels: [32, 64, 128],
                                                   temporalDownsample: [true, true])
    /// A very small network for tests.
    public static let tiny = AutoencoderConfig(latentChannels: 4, patch: 2, channels: [8, 8, 16], temporalDownsample: [true, true],
                                               blocksPerStage: 1)

    public var spatialFactor: Int { patch << (channels.count - 1) }
    public var temporalFactor: Int { 1 << temporalDownsample.filter { $0 }.count }

    /// Latent (frames, height, width) for a clip; frames must be 1 + k * temporalFactor.
    public func latentSize(frames: Int, height: Int, width: Int) -> (frames: Int, height: Int, width: Int) {
        ((frames - 1) / temporalFactor + 1, height / spatialFactor, width / spatialFactor)
    }

    /// A one-line reason why a clip cannot be encoded, or nil.
    public func validate(frames: Int, height: Int, width: Int) -> String? {
        if height % spatialFactor != 0 || width % spatialFactor != 0 || height == 0 || width == 0 {
            return "frame size \(width)x\(height) is not a positive multiple of \(spatialFactor)"
        }
        if frames < 1 || (frames - 1) % temporalFactor != 0 {
            return "\(frames) frames: the autoencoder takes 1 + \(temporalFactor)k frames (1, \(1 + temporalFactor), \(1 + 2 * temporalFactor), ...)"
        }
        return nil
    }
}
