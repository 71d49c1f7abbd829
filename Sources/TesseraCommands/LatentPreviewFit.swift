// Fits the sampler's cheap latent -> RGB preview (TesseraSampler/LatentPreview.swift) to an
// autoencoder: each latent pixel is paired with the mean colour of the video block it encodes
// (spatialFactor x spatialFactor pixels; frame 0 alone for latent frame 0, then temporalFactor
// frames per latent frame, as the causal encoder groups them).
import TesseraEngine
import TesseraAutoencoder
import TesseraMedia
import TesseraSampler
import TesseraWorld

enum LatentPreviewFit {
    static func fit(vae: VideoAutoencoder, clips: [Video]) -> LatentPreview {
        let s = vae.config.spatialFactor, ft = vae.config.temporalFactor, c = vae.config.latentChannels
        var latents: [Float] = [], colors: [Float] = []
        for clip in clips {
            let x = Tensor<Float>(video: clip)   // (1, F, H, W, 3) in [-1, 1]
            let z = vae.encode(x)                // (1, Fz, Hz, Wz, C)
            let (_, fz, hz, wz, _) = z.shape5
            let (_, _, h, w, _) = x.shape5
            let zs = z.scalars, xs = x.scalars
            for f in 0..<fz {
                let frames = f == 0 ? 0..<1 : (1 + (f - 1) * ft)..<(1 + f * ft)
                for i in 0..<hz {
                    for j in 0..<wz {
                        var rgb = [Float](repeating: 0, count: 3), n: Float = 0
                        for fr in frames { for y in (i * s)..<min(h, (i + 1) * s) { for xx in (j * s)..<min(w, (j + 1) * s) {
                            let base = ((fr * h + y) * w + xx) * 3
                            for k in 0..<3 { rgb[k] += xs[base + k] }
                            n += 1
                        }}}
                        colors += rgb.map { $0 / max(n, 1) }
                        let zb = ((f * hz + i) * wz + j) * c
                        latents += zs[zb..<(zb + c)]
                    }
                }
            }
        }
        return LatentPreview.fit(latents: latents, colors: colors, channels: c)
    }

    /// A preview fitted on `count` world clips (9 frames, 128x72) of seed `seed`.
    static func fitOnWorld(vae: VideoAutoencoder, count: Int = 12, seed: UInt64 = 0x9E) -> LatentPreview {
        let sampler = SceneSampler(seed: seed)
        let clips = (0..<count).map { Renderer.render(sampler.sample(index: $0), width: 128, height: 72, frames: 9) }
        return fit(vae: vae, clips: clips)
    }
}
