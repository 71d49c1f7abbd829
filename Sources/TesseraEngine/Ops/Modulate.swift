// adaLN modulation (DiT): per-sample shift, scale and gate vectors broadcast over tokens.
//   x: (B, T, D); shift, scale, gate: (B, D) rows `ld` apart (they are slices of one (B, 6D) projection).
//   modulate: y = x * (1 + scale) + shift        gate: y = x * gate

public enum ModulateOp {
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func forward<T: TensorScalar>(x: UnsafePointer<T>, shift: UnsafePointer<T>, scale: UnsafePointer<T>, ld: Int,
                                                y: UnsafeMutablePointer<T>, batch: Int, tokens: Int, d: Int) {
        Parallel.forRange(batch * tokens, minimumChunk: max(1, 4096 / max(1, d))) { rows in
            for row in rows {
                let b = row / tokens
                let sh = shift + b * ld, sc = scale + b * ld
                let xr = x + row * d, yr = y + row * d
                for j in 0..<d { yr[j] = xr[j] * (1 + sc[j]) + sh[j] }
            }
        }
    }

    /// dx += dy * (1 + scale); dShift, dScale (+=) summed over tokens.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func backward<T: TensorScalar>(dy: UnsafePointer<T>, x: UnsafePointer<T>, scale: UnsafePointer<T>, ld: Int,
                                                 dx: UnsafeMutablePointer<T>?, dShift: UnsafeMutablePointer<T>,
                                                 dScale: UnsafeMutablePointer<T>, ldGrad: Int, batch: Int, tokens: Int, d: Int) {
        Parallel.forRange(batch, minimumChunk: 1) { bs in
            for b in bs {
                let sc = scale + b * ld, dsh = dShift + b * ldGrad, dsc = dScale + b * ldGrad
                for t in 0..<tokens {
                    let row = b * tokens + t
                    let xr = x + row * d, dyr = dy + row * d
                    for j in 0..<d {
                        dsh[j] += dyr[j]
                        dsc[j] += dyr[j] * xr[j]
                    }
                    if let dx {
                        let dxr = dx + row * d
                        for j in 0..<d { dxr[j] += dyr[j] * (1 + sc[j]) }
                    }
                }
            }
        }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func gate<T: TensorScalar>(x: UnsafePointer<T>, gate: UnsafePointer<T>, ld: Int, y: UnsafeMutablePointer<T>,
                                             batch: Int, tokens: Int, d: Int) {
        Parallel.forRange(batch * tokens, minimumChunk: max(1, 4096 / max(1, d))) { rows in
            for row in rows {
                let g = gate + (row / tokens) * ld
                let xr = x + row * d, yr = y + row * d
                for j in 0..<d { yr[j] = xr[j] * g[j] }
            }
        }
    }

    /// dx += dy * gate; dGate (+=) summed over tokens.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func gateBackward<T: TensorScalar>(dy: UnsafePointer<T>, x: UnsafePointer<T>, gate: UnsafePointer<T>, ld: Int,
                                                     dx: UnsafeMutablePointer<T>?, dGate: UnsafeMutablePointer<T>, ldGrad: Int,
                                                     batch: Int, tokens: Int, d: Int) {
        Parallel.forRange(batch, minimumChunk: 1) { bs in
            for b in bs {
                let g = gate + b * ld, dg = dGate + b * ldGrad
                for t in 0..<tokens {
                    let row = b * tokens + t
                    let xr = x + row * d, dyr = dy + row * d
                    for j in 0..<d { dg[j] += dyr[j] * xr[j] }
                    if let dx {
                        let dxr = dx + row * d
                        for j in 0..<d { dxr[j] += dyr[j] * g[j] }
                    }
                }
            }
        }
    }
}
