// The training objective: rectified flow (TesseraSampler/RectifiedFlow.swift has the same path for
// sampling; a test checks the two agree). For clean tokens x0, noise eps and per-sample t:
//   x_t = (1 - t) x0 + t eps,  target v = eps - x0,  loss = sum(mask (v_hat - v)^2) / sum(mask)
// where mask is 1 on real latent values and 0 on the zero padding added by LatentPatches.
// With `contextFrames` k > 0 the first k latent frames of each sample are given clean (x_t = x0) as
// context and carry no loss: the model learns to generate the other frames around them.
// With `start` (a degraded x0: a preview latent upscaled to x0's grid), samples whose `fromStart` is
// true follow the refinement's path instead: x_t = (1 - t) start + t eps and v = (x_t - x0) / t, so
// the clean estimate x_t - t v is the sharp x0 (RectifiedFlow.noised(_:from:noise:t:)): the model
// learns to redraw what a render's upscaled preview blurs (shape) from the caption.
// `objects`: the samples' object layouts (ObjectLayout), for models with `objectLayout`.
//   x0, eps, mask, start: (B, T, P)
import TesseraEngine

extension DiffusionTransformer {
    /// Forward and backward of one batch; adds parameter gradients into the store (not zeroed
    /// here) and returns the loss.
    @discardableResult
    public func trainingStep(x0: Tensor<T>, noise: Tensor<T>, t: [Double], text ids: [[Int]], layout: TokenLayout,
                             mask: Tensor<T>? = nil, contextFrames: Int = 0, start: Tensor<T>? = nil, fromStart: [Bool] = [],
                             objects: Tensor<T>? = nil) -> Double {
        precondition(x0.shape == noise.shape && (mask == nil || mask!.shape == x0.shape), "training step shapes disagree")
        precondition(start == nil || (start!.shape == x0.shape && fromStart.count == t.count), "training step start disagrees")
        let b = t.count, per = x0.count / b
        let contextValues = contextFrames * layout.tokensPerFrame * x0.shape[2]   // per sample
        var xt = Tensor<T>(uninitialized: x0.shape), target = Tensor<T>(uninitialized: x0.shape)
        xt.withUnsafeMutablePointer { xp in target.withUnsafeMutablePointer { vp in x0.withUnsafePointer { a in noise.withUnsafePointer { e in
            for s in 0..<b {
                let ts = T(t[s])
                if let start, fromStart[s] {
                    precondition(t[s] > 0, "a refinement sample needs t > 0")
                    start.withUnsafePointer { z in
                        for i in (s * per)..<((s + 1) * per) { xp[i] = (1 - ts) * z[i] + ts * e[i]; vp[i] = (xp[i] - a[i]) / ts }
                    }
                } else {
                    for i in (s * per)..<((s + 1) * per) { xp[i] = (1 - ts) * a[i] + ts * e[i]; vp[i] = e[i] - a[i] }
                }
                for i in (s * per)..<(s * per + contextValues) { xp[i] = a[i] }
            }
        }}}}
        // Models with a refinement embedding are told which samples start from an upscaled preview.
        let refining = start != nil && config.refinementEmbedding ? fromStart : []
        let predicted = forward(xt, layout: layout, t: t, text: ids, contextFrames: contextFrames, refining: refining, objects: objects)
        var grad = Tensor<T>(uninitialized: x0.shape)
        var weights = mask ?? Tensor<T>(shape: x0.shape, repeating: 1)
        if contextValues > 0 {
            weights.withUnsafeMutablePointer { w in for s in 0..<b { (w + s * per).update(repeating: 0, count: contextValues) } }
        }
        var loss = 0.0, weight = 0.0
        predicted.withUnsafePointer { p in target.withUnsafePointer { v in weights.withUnsafePointer { w in
            for i in 0..<x0.count { let d = Double(p[i] - v[i]); weight += Double(w[i]); loss += Double(w[i]) * d * d }
            let scale = T(2 / max(weight, 1e-12))
            grad.withUnsafeMutablePointer { g in
                for i in 0..<x0.count { g[i] = scale * w[i] * (p[i] - v[i]) }
            }
        }}}
        _ = backward(grad)
        return loss / max(weight, 1e-12)
    }
}
