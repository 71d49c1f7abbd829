// Latents saved to a file and decoded later: a safetensors file holding "latent" (1, Fz, Hz, Wz, Cz)
// raw (not normalised), with the frame rate and the autoencoder's config in the metadata.
import Foundation
import TesseraEngine

public struct LatentFile {
    public static let format = "tessera-latent-v1"
    public var latent: Tensor<Float>
    public var fps: Int
    public var config: AutoencoderConfig

    public init(latent: Tensor<Float>, fps: Int, config: AutoencoderConfig) {
        self.latent = latent; self.fps = fps; self.config = config
    }

    public func write(to path: String) throws {
        var w = SafeTensorsWriter()
        w.add("latent", tensor: latent)
        w.metadata = ["format": LatentFile.format, "fps": String(fps),
                      "config": try CanonicalJSON.string(config)]
        try w.write(to: path)
    }

    public static func read(path: String) throws -> LatentFile {
        let file = try SafeTensors.read(path: path)
        guard file.metadata["format"] == format else {
            throw SafeTensorsError("\(path) is not a Tessera latent file (format '\(file.metadata["format"] ?? "none")', expected '\(format)')")
        }
        guard let fps = file.metadata["fps"].flatMap(Int.init), fps > 0,
              let text = file.metadata["config"], let config = try? JSONDecoder().decode(AutoencoderConfig.self, from: Data(text.utf8)) else {
            throw SafeTensorsError("\(path): latent file metadata needs a positive fps and the autoencoder config")
        }
        let latent: Tensor<Float> = try file.tensor("latent")
        guard latent.rank == 5, latent.shape[0] == 1, latent.shape[4] == config.latentChannels else {
            throw SafeTensorsError("\(path): latent has shape \(latent.shape), expected (1, F, H, W, \(config.latentChannels))")
        }
        return LatentFile(latent: latent, fps: fps, config: config)
    }
}
