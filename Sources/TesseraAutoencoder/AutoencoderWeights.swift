// Shipped autoencoder weights: one safetensors file with the parameters, the per-channel latent
// statistics ("latent.mean", "latent.std") and the config JSON in the metadata.
import Foundation
import TesseraEngine

extension VideoAutoencoder {
    public static let weightsFormat = "tessera-vae-v1"

    public func saveWeights(to path: String, extraMetadata: [String: String] = [:]) throws {
        var w = SafeTensorsWriter()
        store.save(into: &w)
        w.add("latent.mean", shape: [config.latentChannels], values: latentMean)
        w.add("latent.std", shape: [config.latentChannels], values: latentStd)
        let configJSON = try CanonicalJSON.string(config)
        w.metadata = extraMetadata.merging(["format": VideoAutoencoder.weightsFormat, "config": configJSON]) { $1 }
        try w.write(to: path)
    }

    /// Loads weights strictly: the file's config builds the network, then every tensor must match.
    /// With `decoderBlocks` above the file's, the decoder is deepened: the added residual blocks
    /// start with a zero last convolution, so they pass their input through and the network decodes
    /// exactly as the file does until they are trained (encoder and latent statistics untouched).
    public static func load(path: String, decoderBlocks: Int? = nil) throws -> VideoAutoencoder {
        let file = try SafeTensors.read(path: path)
        guard file.metadata["format"] == weightsFormat else {
            throw SafeTensorsError("\(path) is not Tessera autoencoder weights (format '\(file.metadata["format"] ?? "none")', expected '\(weightsFormat)')")
        }
        guard let text = file.metadata["config"], let config = try? JSONDecoder().decode(AutoencoderConfig.self, from: Data(text.utf8)) else {
            throw SafeTensorsError("\(path): missing or unreadable autoencoder config in the metadata")
        }
        var built = config
        if let blocks = decoderBlocks, blocks != config.decoderBlocks {
            guard blocks > config.decoderBlocks else {
                throw SafeTensorsError("\(path) has \(config.decoderBlocks) decoder blocks per stage; a decoder can be deepened, not cut to \(blocks)")
            }
            built.decoderBlocksPerStage = blocks
        }
        // Added decoder blocks are not in the file and need their random start; otherwise the load sets everything.
        let vae = VideoAutoencoder(config: built, initializesValues: built.decoderBlocks != config.decoderBlocks)
        let stats: Set<String> = ["latent.mean", "latent.std"]
        // Decoder blocks beyond the file's are not in it: they start as identities (zero second convolution).
        func isAdded(_ name: String) -> Bool {
            let parts = name.split(separator: ".")
            return parts.count > 4 && parts[0] == "decoder" && parts[1] == "stages" && parts[3] == "blocks"
                && (Int(parts[4]) ?? 0) >= config.decoderBlocks
        }
        try vae.store.load(from: file, allowUnused: true, skipping: isAdded)
        for e in vae.store.entries where isAdded(e.name) && e.name.contains(".conv2.") {
            (vae.store.values + e.offset).update(repeating: 0, count: e.count)
        }
        if let extra = file.names.first(where: { !stats.contains($0) && vae.store.entry(named: $0) == nil }) {
            throw SafeTensorsError("\(path): unused tensor '\(extra)' (the autoencoder has no parameter of that name)")
        }
        for name in stats {
            guard let info = file.info(name), info.shape == [config.latentChannels] else {
                throw SafeTensorsError("\(path): tensor '\(name)' missing or not of shape [\(config.latentChannels)]")
            }
        }
        vae.latentMean = try file.floats("latent.mean").values
        vae.latentStd = try file.floats("latent.std").values
        return vae
    }

    /// The shipped weights: $TESSERA_VAE_WEIGHTS, else the package resource bundle beside the
    /// executable (SwiftPM copies Sources/TesseraAutoencoder/Resources there).
    public static var shippedWeightsPath: String? {
        ShippedResource.path(target: "TesseraAutoencoder", file: "vae.safetensors", environment: "TESSERA_VAE_WEIGHTS")
    }

    /// Loads `path`, or the shipped weights when `path` is nil, with a one-line error if there are none.
    public static func loadWeights(path: String?) throws -> VideoAutoencoder {
        guard let p = path ?? shippedWeightsPath else {
            throw SafeTensorsError("no autoencoder weights: none are shipped in this build (Sources/TesseraAutoencoder/Resources/vae.safetensors) and no weights file was given (--vae FILE or --weights FILE, or $TESSERA_VAE_WEIGHTS)")
        }
        return try load(path: p)
    }
}
