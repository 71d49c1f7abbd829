// Deterministic mutation fuzzing of the safetensors reader. Every mutant of a few valid files must
// either parse into a self-consistent file whose tensors all read back, or throw a one-line
// SafeTensorsError; never crash and never throw anything else.
import Foundation
import XCTest
import TesseraEngine

final class SafeTensorsFuzzTests: XCTestCase {
    static let mutantCount = 5000

    /// Valid seed files: several tensors, metadata, every dtype, a scalar and an empty tensor.
    static func seeds() -> [[UInt8]] {
        var rng = RandomGenerator(seed: 2024, stream: 1)
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in Float(rng.normal()) } }
        var a = SafeTensorsWriter()
        a.add("fc1.weight", shape: [4, 3], values: values(12))
        a.add("fc1.bias", shape: [4], values: values(4))
        a.add("fc2.weight", shape: [2, 4], values: values(8))
        a.metadata = ["format": "fuzz", "step": "17"]
        var b = SafeTensorsWriter()
        b.add("h", shape: [3, 5], values: values(15), dtype: .f16)
        b.add("s", shape: [], values: values(1), dtype: .bf16)
        b.add("e", shape: [2, 0], values: [Float](), dtype: .f32)
        b.add("z", shape: [7], values: values(7), dtype: .bf16)
        var c = SafeTensorsWriter()
        c.add("blocks.0.attn.qkv", shape: [6, 2, 1], values: values(12), dtype: .bf16)
        c.add("blocks.0.norm", shape: [2], values: values(2), dtype: .f32)
        c.add("blocks.0.mlp", shape: [1, 9], values: values(9), dtype: .f16)
        c.metadata = ["config": #"{"dim": 2, "heads": [1, 2], "name": "c\"q"}"#, "rng": #"{"seed":1,"stream":2,"counter":3}"#]
        return [a.serialized(), b.serialized(), c.serialized()]
    }

    static let interesting: [UInt8] = [0, 0xFF, 0x7F, 0x80, UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["),
                                       UInt8(ascii: "]"), UInt8(ascii: "\""), UInt8(ascii: ","), UInt8(ascii: ":"),
                                       UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "\\"),
                                       UInt8(ascii: " ")] + Array(UInt8(ascii: "0")...UInt8(ascii: "9"))

    static func headerLength(_ b: [UInt8]) -> UInt64 {
        guard b.count >= 8 else { return 0 }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(b[i]) << (8 * UInt64(i)) }
        return n
    }

    static func setHeaderLength(_ b: inout [UInt8], _ n: UInt64) {
        guard b.count >= 8 else { return }
        for i in 0..<8 { b[i] = UInt8(truncatingIfNeeded: n >> (8 * UInt64(i))) }
    }

    /// A position, mostly inside the JSON header where validation happens.
    static func position(_ b: [UInt8], _ rng: inout RandomGenerator) -> Int {
        let h = Int(min(headerLength(b), UInt64(b.count)))
        if b.count > 8 && h > 0 && rng.uniform() < 0.75 { return min(b.count - 1, 8 + rng.int(below: h)) }
        return rng.int(below: max(1, b.count))
    }

    static func mutate(_ input: [UInt8], _ rng: inout RandomGenerator) -> [UInt8] {
        var b = input
        for _ in 0...rng.int(below: 3) {
            if b.isEmpty { return b }
            switch rng.int(below: 9) {
            case 0:   // bit flip
                let p = position(b, &rng)
                b[p] ^= UInt8(1) << UInt8(rng.int(below: 8))
            case 1:   // overwrite with an interesting byte
                b[position(b, &rng)] = rng.pick(interesting)
            case 2:   // replace a digit in the header with another digit (shapes and offsets)
                guard b.count > 8 else { continue }
                let digits = (8..<min(b.count, 8 + Int(min(headerLength(b), UInt64(b.count))))).filter { (48...57).contains(b[$0]) }
                if let p = digits.isEmpty ? nil : rng.pick(digits) { b[p] = UInt8(48 + rng.int(below: 10)) }
            case 3:   // truncate
                b = Array(b[..<rng.int(below: b.count)])
            case 4:   // rewrite the header length field
                let n = headerLength(b)
                let choices: [UInt64] = [0, 1, 2, n &+ 1, n &- 1, n &+ 8, n &- 8, UInt64(rng.int(below: b.count + 16)),
                                         1 << 40, UInt64.max, UInt64(Int.max), 100_000_001, UInt64(b.count)]
                setHeaderLength(&b, rng.pick(choices))
            case 5, 6:   // insert or delete bytes inside the header, maybe keeping the length field in step
                let h = Int(min(headerLength(b), UInt64(max(0, b.count - 8))))
                guard h > 0 else { continue }
                let p = 8 + rng.int(below: h)
                let n = 1 + rng.int(below: 4)
                let insert = rng.int(below: 2) == 0
                if insert {
                    b.insert(contentsOf: (0..<n).map { _ in rng.pick(interesting) }, at: p)
                } else {
                    b.removeSubrange(p..<min(b.count, p + n))
                }
                if rng.int(below: 2) == 0 {
                    setHeaderLength(&b, insert ? UInt64(h + n) : UInt64(max(0, h - n)))
                }
            case 7:   // duplicate a range somewhere else
                let start = rng.int(below: b.count)
                let len = 1 + rng.int(below: min(24, b.count - start))
                let chunk = Array(b[start..<(start + len)])
                b.insert(contentsOf: chunk, at: rng.int(below: b.count + 1))
            default:   // append garbage
                b.append(contentsOf: (0..<(1 + rng.int(below: 8))).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            }
        }
        return b
    }

    func testMutantsAreRejectedCleanlyOrParseConsistently() {
        let seeds = Self.seeds()
        for s in seeds { XCTAssertNoThrow(try SafeTensors(bytes: s), "seed files must be valid") }
        var rng = RandomGenerator(seed: 0x5AFE_7E25, stream: 9)
        var accepted = 0, rejected = 0, unchanged = 0
        var messages: [String: Int] = [:]
        var failures = 0
        for i in 0..<Self.mutantCount {
            let seed = seeds[i % seeds.count]
            let mutant = Self.mutate(seed, &rng)
            if mutant == seed { unchanged += 1 }
            do {
                let st = try SafeTensors(bytes: mutant)
                accepted += 1
                // Self-consistency: sorted tensors tile the data section exactly.
                let dataCount = mutant.count - 8 - Int(Self.headerLength(mutant))
                var cursor = 0
                for info in st.infos {
                    if info.range.lowerBound != cursor || info.range.count != info.count * info.dtype.byteSize || info.shape.contains(where: { $0 < 0 }) {
                        failures += 1
                        XCTFail("mutant \(i): accepted inconsistent tensor \(info)")
                    }
                    cursor = info.range.upperBound
                    do {
                        let (shape, values) = try st.floats(info.name)
                        if shape != info.shape || values.count != info.count {
                            failures += 1
                            XCTFail("mutant \(i): '\(info.name)' read \(values.count) values of \(shape), info says \(info)")
                        }
                    } catch {
                        failures += 1
                        XCTFail("mutant \(i): accepted file but reading '\(info.name)' failed: \(error)")
                    }
                    XCTAssertEqual(st.info(info.name), info)
                }
                if cursor != dataCount {
                    failures += 1
                    XCTFail("mutant \(i): tensors cover \(cursor) of \(dataCount) data bytes")
                }
            } catch let e as SafeTensorsError {
                rejected += 1
                if e.message.isEmpty || e.message.contains(where: \.isNewline) {
                    failures += 1
                    XCTFail("mutant \(i): error is not one non-empty line: \(e.message.debugDescription)")
                }
                // The kind of error: the message without quoted names and numbers.
                var key = "", quoted = false
                for ch in e.message {
                    if ch == "'" { quoted.toggle(); if quoted { key += "_" } } else if !quoted && !ch.isNumber { key.append(ch) }
                }
                messages[String(key.prefix(60)), default: 0] += 1
            } catch {
                failures += 1
                XCTFail("mutant \(i): wrong error type \(type(of: error)): \(error)")
            }
            if failures > 20 { return XCTFail("stopping after 20 failures") }
        }
        // Validation has to do real work: most header mutations are caught, and the accepted ones
        // are mostly changes to tensor bytes or harmless header bytes.
        XCTAssertEqual(accepted + rejected, Self.mutantCount)
        XCTAssertGreaterThan(rejected, Self.mutantCount * 6 / 10, "only \(rejected) of \(Self.mutantCount) mutants rejected")
        XCTAssertGreaterThan(accepted, Self.mutantCount / 50, "almost nothing accepted: the mutator never leaves a file valid")
        XCTAssertGreaterThanOrEqual(messages.count, 12, "few distinct errors: \(messages)")
        // Beyond JSON syntax and bounds: the per-tensor and layout checks must catch their share.
        let semantic = messages.filter { $0.key.hasPrefix("tensor") || $0.key.hasPrefix("data section") || $0.key.hasPrefix("hole") }
        XCTAssertGreaterThan(semantic.values.reduce(0, +), Self.mutantCount / 10, "tensor-level checks rejected too few: \(semantic)")
        print("safetensors fuzz: \(accepted) accepted (\(unchanged) unchanged), \(rejected) rejected; errors by kind:")
        for (k, n) in messages.sorted(by: { $0.value > $1.value }) { print("  \(n)\t\(k)") }
    }

    /// The same mutants through the file-reading path: errors carry the path and stay on one line.
    func testMutantsThroughFilesNamePath() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stfuzz-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("m.safetensors").path
        let seeds = Self.seeds()
        var rng = RandomGenerator(seed: 77, stream: 2)
        var rejected = 0
        for i in 0..<200 {
            let mutant = Self.mutate(seeds[i % seeds.count], &rng)
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(mutant)))
            do {
                _ = try SafeTensors.read(path: path)
            } catch let e as SafeTensorsError {
                rejected += 1
                XCTAssertTrue(e.message.hasPrefix(path + ": "), e.message)
                XCTAssertFalse(e.message.contains(where: \.isNewline), e.message)
            }
        }
        XCTAssertGreaterThan(rejected, 100)
    }
}
