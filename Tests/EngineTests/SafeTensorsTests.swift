// SafeTensors reader/writer: round trips per dtype, metadata, alignment and odd shapes; one
// hand-built malformed file per validation rule (each must give a one-line SafeTensorsError naming
// the problem and the tensor); strict ParameterStore loading.
import Foundation
import XCTest
import TesseraEngine

/// A raw safetensors file: 8-byte little-endian length (the real one unless `headerLength` is given),
/// the header text, then `data`.
func rawSafeTensors(_ header: String, data: [UInt8] = [], headerLength: UInt64? = nil) -> [UInt8] {
    let h = Array(header.utf8)
    var out = [UInt8]()
    withUnsafeBytes(of: (headerLength ?? UInt64(h.count)).littleEndian) { out.append(contentsOf: $0) }
    return out + h + data
}

/// The header length stored in the first 8 bytes.
func storedHeaderLength(_ bytes: [UInt8]) -> Int {
    var n: UInt64 = 0
    for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
    return Int(n)
}

/// Fails unless `bytes` is rejected with a one-line SafeTensorsError containing every fragment.
func assertRejects(_ bytes: [UInt8], _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
    do {
        let st = try SafeTensors(bytes: bytes)
        XCTFail("accepted a malformed file (tensors \(st.names)); expected an error with \(fragments)", file: file, line: line)
    } catch let e as SafeTensorsError {
        XCTAssertFalse(e.message.contains(where: \.isNewline), "error is not one line: \(e.message.debugDescription)", file: file, line: line)
        XCTAssertFalse(e.message.isEmpty, file: file, line: line)
        for f in fragments {
            XCTAssertTrue(e.message.contains(f), "error '\(e.message)' does not mention '\(f)'", file: file, line: line)
        }
    } catch {
        XCTFail("wrong error type \(type(of: error)): \(error)", file: file, line: line)
    }
}

final class SafeTensorsTests: XCTestCase {
    // MARK: - Round trips

    func testF32RoundTripIsBitExact() throws {
        let special: [Float] = [0, -0.0, 1, -1, .pi, Float.leastNonzeroMagnitude, -Float.leastNormalMagnitude,
                                Float.greatestFiniteMagnitude, -.infinity, .infinity, 1e-30, 3.4e38, 0.1]
        var rng = RandomGenerator(seed: 11)
        let random = (0..<300).map { _ in Float(rng.normal() * 10) }
        var w = SafeTensorsWriter()
        w.add("special", shape: [special.count], values: special)
        w.add("random", shape: [3, 10, 10], values: random)
        w.add("nan", shape: [2], values: [Float.nan, -Float.nan])
        let st = try SafeTensors(bytes: w.serialized())
        XCTAssertEqual(st.names, ["special", "random", "nan"])
        let (s1, v1) = try st.floats("special")
        XCTAssertEqual(s1, [special.count])
        XCTAssertEqual(v1.map(\.bitPattern), special.map(\.bitPattern))
        let (s2, v2) = try st.floats("random")
        XCTAssertEqual(s2, [3, 10, 10])
        XCTAssertEqual(v2.map(\.bitPattern), random.map(\.bitPattern))
        let nan = try st.floats("nan").values
        XCTAssertTrue(nan[0].isNaN && nan[1].isNaN)
        XCTAssertEqual(st.info("random")?.dtype, .f32)
        XCTAssertEqual(st.info("random")?.range.count, 1200)
        let t: Tensor<Double> = try st.tensor("random")
        XCTAssertEqual(t.shape, [3, 10, 10])
        XCTAssertEqual(t.scalars, random.map(Double.init))
        XCTAssertThrowsError(try st.floats("absent")) { XCTAssertTrue("\($0)".contains("'absent'")) }
    }

    func testF16ExactValuesAndPrecision() throws {
        // Each is exactly representable in IEEE half: normals, the smallest normal 2^-14, the smallest
        // subnormal 2^-24, the largest finite 65504, infinities.
        let exact: [Float] = [0, -0.0, 1, -2, 0.5, 0.099975586, 1024, 2047, -65504, 65504, 0.00006103515625,
                              0.000000059604645, 3.140625, -.infinity, .infinity]
        var rng = RandomGenerator(seed: 12)
        let random = (0..<500).map { _ in Float(rng.uniform(-100, 100)) }
        var w = SafeTensorsWriter()
        w.add("exact", shape: [exact.count], values: exact, dtype: .f16)
        w.add("random", shape: [500], values: random, dtype: .f16)
        let bytes = w.serialized()
        let st = try SafeTensors(bytes: bytes)
        XCTAssertEqual(st.info("exact")?.dtype, .f16)
        XCTAssertEqual(st.info("exact")?.range.count, 2 * exact.count)
        XCTAssertEqual(try st.floats("exact").values.map(\.bitPattern), exact.map(\.bitPattern))
        // Raw bits of 1.0 (0x3C00) and -2 (0xC000), little-endian, at the start of the data.
        let data = Array(bytes[(8 + storedHeaderLength(bytes))...])
        XCTAssertEqual(Array(data[4..<8]), [0x00, 0x3C, 0x00, 0xC0])
        let back = try st.floats("random").values
        for (a, b) in zip(back, random) {
            // Round to nearest: within half an ulp, 2^-11 relative.
            XCTAssertLessThanOrEqual(abs(a - b), abs(b) * 0x1p-11 + 0x1p-25, "\(b) -> \(a)")
        }
        XCTAssertEqual(Float(Float16(random[7])), back[7])
    }

    func testBF16RoundsToNearestEven() throws {
        // (input bits, expected bfloat16 bits)
        let cases: [(UInt32, UInt16)] = [
            (0x3F80_0000, 0x3F80),   // 1.0 exact
            (0x3F80_7FFF, 0x3F80),   // just below half: down
            (0x3F80_8000, 0x3F80),   // tie, 0x3F80 even: down
            (0x3F80_8001, 0x3F81),   // just above half: up
            (0x3F81_8000, 0x3F82),   // tie, 0x3F81 odd: up to even
            (0xBF81_8000, 0xBF82),   // negative tie: magnitude up to even
            (0xBF80_8000, 0xBF80),   // negative tie: to even
            (0x4049_0FDB, 0x4049),   // pi -> 3.140625
            (0x3F7F_FFFF, 0x3F80),   // carries into the exponent
            (0x7F7F_FFFF, 0x7F80),   // largest float rounds to infinity
            (0x7F80_0000, 0x7F80),   // +inf
            (0xFF80_0000, 0xFF80),   // -inf
            (0x0000_0001, 0x0000),   // tiny subnormal to zero
            (0x8000_0000, 0x8000),   // -0 keeps its sign
        ]
        let inputs = cases.map { Float(bitPattern: $0.0) }
        var w = SafeTensorsWriter()
        w.add("x", shape: [inputs.count], values: inputs, dtype: .bf16)
        w.add("nan", shape: [1], values: [Float.nan], dtype: .bf16)
        let bytes = w.serialized()
        let st = try SafeTensors(bytes: bytes)
        let data = Array(bytes[(8 + storedHeaderLength(bytes))...])
        for (i, c) in cases.enumerated() {
            let stored = UInt16(data[2 * i]) | UInt16(data[2 * i + 1]) << 8
            XCTAssertEqual(stored, c.1, "bf16 of 0x\(String(c.0, radix: 16))")
        }
        XCTAssertEqual(try st.floats("x").values.map(\.bitPattern), cases.map { UInt32($0.1) << 16 })
        XCTAssertTrue(try st.floats("nan").values[0].isNaN)

        var rng = RandomGenerator(seed: 13)
        let random = (0..<500).map { _ in Float(rng.normal() * 1000) }
        var w2 = SafeTensorsWriter()
        w2.add("r", shape: [5, 100], values: random, dtype: .bf16)
        let back = try SafeTensors(bytes: w2.serialized()).floats("r").values
        for (a, b) in zip(back, random) {
            XCTAssertLessThanOrEqual(abs(a - b), abs(b) * 0x1p-8, "\(b) -> \(a)")   // 8-bit mantissa, half ulp
        }
    }

    func testMetadataRoundTripIncludingConfigJSON() throws {
        let config = #"{"name": "tiny/dit", "layers": [1, 2], "quote": "\"x\"", "path": "a\\b", "note": "line1\nline2 ✓ 日本"}"#
        var w = SafeTensorsWriter()
        w.metadata = ["config": config, "format": "tessera-test", "empty": "", "__odd key__": "{}"]
        w.add("a", shape: [2], values: [Float(1), 2])
        let st = try SafeTensors(bytes: w.serialized())
        XCTAssertEqual(st.metadata, w.metadata)
        XCTAssertEqual(st.names, ["a"])   // __metadata__ is not a tensor
        let decoded = try JSONSerialization.jsonObject(with: Data(st.metadata["config"]!.utf8)) as? [String: Any]
        XCTAssertEqual(decoded?["name"] as? String, "tiny/dit")
        XCTAssertEqual(decoded?["note"] as? String, "line1\nline2 ✓ 日本")

        // A file with no metadata has an empty dictionary.
        var plain = SafeTensorsWriter()
        plain.add("a", shape: [1], values: [Float(3)])
        XCTAssertEqual(try SafeTensors(bytes: plain.serialized()).metadata, [:])
    }

    func testDataSectionIsEightByteAligned() throws {
        for nameLength in 1...17 {
            var w = SafeTensorsWriter()
            w.add(String(repeating: "n", count: nameLength), shape: [3], values: [Float(1), 2, 3], dtype: .f16)
            w.metadata = ["k": String(repeating: "v", count: nameLength * 3 % 7)]
            let bytes = w.serialized()
            let h = storedHeaderLength(bytes)
            XCTAssertEqual((8 + h) % 8, 0, "name length \(nameLength): header \(h)")
            XCTAssertEqual(bytes.count, 8 + h + 6)
            XCTAssertEqual(try SafeTensors(bytes: bytes).floats(String(repeating: "n", count: nameLength)).values, [1, 2, 3])
        }
    }

    func testScalarAndZeroSizedShapes() throws {
        var w = SafeTensorsWriter()
        w.add("empty0", shape: [0], values: [Float]())
        w.add("scalar", shape: [], values: [Float(42)])
        w.add("empty3", shape: [3, 0, 2], values: [Float](), dtype: .bf16)
        w.add("cube", shape: [2, 3, 4], values: (0..<24).map(Float.init), dtype: .f16)
        let st = try SafeTensors(bytes: w.serialized())
        XCTAssertEqual(try st.floats("scalar").shape, [])
        XCTAssertEqual(try st.floats("scalar").values, [42])
        XCTAssertEqual(st.info("scalar")?.count, 1)
        XCTAssertEqual(try st.floats("empty0").shape, [0])
        XCTAssertEqual(try st.floats("empty0").values, [])
        XCTAssertEqual(try st.floats("empty3").shape, [3, 0, 2])
        XCTAssertEqual(try st.floats("empty3").values, [])
        XCTAssertEqual(try st.floats("cube").values, (0..<24).map(Float.init))
        XCTAssertEqual(st.info("empty3")?.range.count, 0)

        // Only empty tensors: the data section is empty.
        var e = SafeTensorsWriter()
        e.add("a", shape: [0, 5], values: [Float]())
        e.add("b", shape: [7, 0], values: [Float](), dtype: .f16)
        let bytes = e.serialized()
        XCTAssertEqual(bytes.count, 8 + storedHeaderLength(bytes))
        let est = try SafeTensors(bytes: bytes)
        XCTAssertEqual(try est.floats("a").values, [])
        XCTAssertEqual(try est.floats("b").shape, [7, 0])

        // No tensors at all.
        XCTAssertEqual(try SafeTensors(bytes: rawSafeTensors("{}")).names, [])
    }

    func testFileWriteAndReadByPath() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("sub/w.safetensors").path
        var w = SafeTensorsWriter()
        w.add("a", shape: [2, 2], values: [Float(1), 2, 3, 4])
        try w.write(to: path)
        XCTAssertEqual(try SafeTensors.read(path: path).floats("a").values, [1, 2, 3, 4])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("sub").path), ["w.safetensors"])

        let missing = dir.appendingPathComponent("nope.safetensors").path
        XCTAssertThrowsError(try SafeTensors.read(path: missing)) { e in
            XCTAssertTrue(e is SafeTensorsError)
            XCTAssertTrue("\(e)".contains(missing), "\(e)")
        }
        // A folder is not a file: a clear error, not a crash.
        XCTAssertThrowsError(try SafeTensors.read(path: dir.path)) { e in
            XCTAssertTrue(e is SafeTensorsError && "\(e)".contains(dir.path), "\(e)")
        }
        // A malformed file's error names the path and the problem.
        let bad = dir.appendingPathComponent("bad.safetensors").path
        XCTAssertTrue(FileManager.default.createFile(atPath: bad, contents: Data([1, 2, 3])))
        XCTAssertThrowsError(try SafeTensors.read(path: bad)) { e in
            XCTAssertTrue("\(e)".contains(bad) && "\(e)".contains("truncated"), "\(e)")
        }
    }

    /// The hash of a file read whole matches the hash of the file on disk and a naive FNV-1a 64
    /// written out here; the published test vectors ("" and "a") pin the constants.
    func testContentHashOfReadBytesMatchesTheFilesHash() throws {
        func naiveFNV(_ bytes: [UInt8]) -> String {
            var h: UInt64 = 14695981039346656037
            for b in bytes { h ^= UInt64(b); h = h &* 1099511628211 }
            let hex = String(h, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
        XCTAssertEqual(naiveFNV([]), "cbf29ce484222325")
        XCTAssertEqual(naiveFNV(Array("a".utf8)), "af63dc4c8601ec8c")
        [[], Array("a".utf8)].forEach { bytes in
            bytes.withUnsafeBytes { XCTAssertEqual(ShippedResource.contentHash(of: $0), naiveFNV(bytes)) }
        }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-hash-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("w.safetensors").path
        var w = SafeTensorsWriter()
        // Over 1 MiB, so the file hash crosses its read-chunk boundary.
        w.add("a", shape: [300_000], values: (0..<300_000).map { Float($0 % 977) * 0.25 })
        w.add("b", shape: [3], values: [Float(-1), 0, 1])
        try w.write(to: path)
        let onDisk = try ShippedResource.contentHash(path: path)
        XCTAssertEqual(try SafeTensors.read(path: path).contentHash, onDisk)
        XCTAssertEqual(onDisk, naiveFNV([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))))
    }

    // MARK: - Malformed files

    private let goodEntry = #""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#

    func testSanityOfTheHandBuiltFormat() throws {
        let st = try SafeTensors(bytes: rawSafeTensors("{\(goodEntry)}", data: [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]))
        XCTAssertEqual(try st.floats("a").values, [1, 2])
        // Whitespace after the object is fine (the writer pads with spaces).
        XCTAssertEqual(try SafeTensors(bytes: rawSafeTensors("{\(goodEntry)}   ", data: [UInt8](repeating: 0, count: 8))).names, ["a"])
    }

    func testTruncatedFiles() {
        assertRejects([], ["truncated", "0 bytes"])
        assertRejects([1, 0, 0, 0, 0, 0, 0], ["truncated", "7 bytes"])
        assertRejects(rawSafeTensors("{}", headerLength: 100), ["truncated", "100"])
        assertRejects(rawSafeTensors("{\(goodEntry)}", data: [0, 0, 0, 0]), ["'a'", "[0, 8]", "4-byte"])
        let good = rawSafeTensors("{\(goodEntry)}", data: [UInt8](repeating: 0, count: 8))
        for cut in [8, 20, good.count - 9, good.count - 1] {
            assertRejects(Array(good[..<cut]), [])
        }
    }

    func testHeaderLengthOutOfRange() {
        assertRejects(rawSafeTensors("{}", headerLength: 1 << 40), ["header length 1099511627776", "limit"])
        assertRejects(rawSafeTensors("{}", headerLength: .max), ["header length", "limit"])
        assertRejects(rawSafeTensors("{}", headerLength: 1), ["header length 1", "too small"])
        assertRejects(rawSafeTensors("", headerLength: 0), ["header length 0"])
    }

    func testHeaderNotAJSONObject() {
        assertRejects(rawSafeTensors("{not json"), ["not valid JSON"])
        assertRejects(rawSafeTensors(#"{"a":}"#), ["not valid JSON"])
        assertRejects(rawSafeTensors("[1, 2, 3]"), ["not a JSON object"])
        assertRejects(rawSafeTensors(" {}"), ["not a JSON object"])
        assertRejects(rawSafeTensors("\"{}\""), ["not a JSON object"])
    }

    func testBadEntries() {
        let zeros8 = [UInt8](repeating: 0, count: 8)
        assertRejects(rawSafeTensors(#"{"a":[1,2]}"#), ["'a'", "not an object"])
        assertRejects(rawSafeTensors(#"{"a":{"shape":[2],"data_offsets":[0,8]}}"#, data: zeros8), ["'a'", "missing dtype"])
        assertRejects(rawSafeTensors(#"{"w.q":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, data: zeros8),
                      ["'w.q'", "'I64'", "not supported"])
        assertRejects(rawSafeTensors(#"{"a":{"dtype":"f32","shape":[2],"data_offsets":[0,8]}}"#, data: zeros8), ["'a'", "'f32'"])
        assertRejects(rawSafeTensors(#"{"a":{"dtype":3,"shape":[2],"data_offsets":[0,8]}}"#, data: zeros8), ["'a'", "dtype"])
        assertRejects(rawSafeTensors(#"{"a":{"dtype":"F32","data_offsets":[0,8]}}"#, data: zeros8), ["'a'", "shape"])
        assertRejects(rawSafeTensors(#"{"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}"#, data: zeros8), ["'a'", "shape"])
        assertRejects(rawSafeTensors(#"{"a":{"dtype":"F32","shape":[2]}}"#, data: zeros8), ["'a'", "data_offsets"])
        assertRejects(rawSafeTensors(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}"#, data: zeros8), ["'a'", "data_offsets"])
        assertRejects(rawSafeTensors(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,"8"]}}"#, data: zeros8), ["'a'", "data_offsets"])
        assertRejects(rawSafeTensors(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0.5,8]}}"#, data: zeros8), ["'a'", "data_offsets"])
    }

    func testBadDimensions() {
        let zeros8 = [UInt8](repeating: 0, count: 8)
        func entry(_ shape: String) -> String { #"{"t.bias":{"dtype":"F32","shape":"# + shape + #","data_offsets":[0,8]}}"# }
        assertRejects(rawSafeTensors(entry("[-2]"), data: zeros8), ["'t.bias'", "negative"])
        assertRejects(rawSafeTensors(entry("[2, -1]"), data: zeros8), ["'t.bias'", "negative"])
        assertRejects(rawSafeTensors(entry("[1.5]"), data: zeros8), ["'t.bias'", "non-integer"])
        assertRejects(rawSafeTensors(entry("[true]"), data: zeros8), ["'t.bias'", "non-integer"])
        assertRejects(rawSafeTensors(entry("[\"2\"]"), data: zeros8), ["'t.bias'", "non-integer"])
        assertRejects(rawSafeTensors(entry("[null]"), data: zeros8), ["'t.bias'", "non-integer"])
        assertRejects(rawSafeTensors(entry("[1e30]"), data: zeros8), ["'t.bias'"])
        assertRejects(rawSafeTensors(entry("[9223372036854775807]"), data: zeros8), ["'t.bias'", "too large"])
        assertRejects(rawSafeTensors(entry("[18446744073709551615]"), data: zeros8), ["'t.bias'"])
        assertRejects(rawSafeTensors(entry("[100000, 100000, 100000, 100000]"), data: zeros8), ["'t.bias'", "too large"])
        assertRejects(rawSafeTensors(entry("[4294967296, 4294967296, 0]"), data: zeros8), ["'t.bias'", "too large"])
        // Exact integers written as 2.0 are still integers: here the size then disagrees.
        assertRejects(rawSafeTensors(entry("[3.0]"), data: zeros8), ["'t.bias'", "needs 12"])
    }

    func testOffsetsAndLayout() {
        func f32(_ name: String, _ n: Int, _ b: Int, _ e: Int) -> String {
            #""\#(name)":{"dtype":"F32","shape":[\#(n)],"data_offsets":[\#(b),\#(e)]}"#
        }
        // Size disagrees with shape.
        assertRejects(rawSafeTensors("{\(f32("a", 3, 0, 16))}", data: [UInt8](repeating: 0, count: 16)),
                      ["'a'", "16 bytes of data", "needs 12"])
        // Reversed and negative offsets.
        assertRejects(rawSafeTensors("{\(f32("a", 0, 8, 0))}", data: [UInt8](repeating: 0, count: 8)), ["'a'", "[8, 0]"])
        assertRejects(rawSafeTensors("{\(f32("a", 1, -4, 0))}", data: [UInt8](repeating: 0, count: 8)), ["'a'", "[-4, 0]"])
        // Overlap: b starts inside a.
        assertRejects(rawSafeTensors("{\(f32("a", 4, 0, 16)),\(f32("b", 4, 8, 24))}", data: [UInt8](repeating: 0, count: 24)),
                      ["'b'", "overlaps"])
        // Two tensors on the same bytes.
        assertRejects(rawSafeTensors("{\(f32("a", 2, 0, 8)),\(f32("b", 2, 0, 8))}", data: [UInt8](repeating: 0, count: 8)),
                      ["overlaps"])
        // A zero-sized tensor placed inside another one.
        assertRejects(rawSafeTensors("{\(f32("a", 4, 0, 16)),\(f32("z", 0, 4, 4))}", data: [UInt8](repeating: 0, count: 16)),
                      ["'z'", "overlaps"])
        // Hole between a and b.
        assertRejects(rawSafeTensors("{\(f32("a", 2, 0, 8)),\(f32("b", 2, 16, 24))}", data: [UInt8](repeating: 0, count: 24)),
                      ["hole", "'b'", "8..<16"])
        // Hole at the start.
        assertRejects(rawSafeTensors("{\(f32("a", 2, 8, 16))}", data: [UInt8](repeating: 0, count: 16)), ["hole", "'a'"])
        // Trailing bytes after the last tensor.
        assertRejects(rawSafeTensors("{\(f32("a", 2, 0, 8))}", data: [UInt8](repeating: 0, count: 12)),
                      ["12 bytes", "cover 8"])
        assertRejects(rawSafeTensors("{}", data: [0]), ["1 bytes", "cover 0"])
        // Out of order in the header but tiling the data: fine.
        XCTAssertNoThrow(try SafeTensors(bytes: rawSafeTensors("{\(f32("b", 2, 8, 16)),\(f32("a", 2, 0, 8))}",
                                                                data: [UInt8](repeating: 0, count: 16))))
    }

    func testBadMetadata() {
        assertRejects(rawSafeTensors(#"{"__metadata__":{"config":"{}","step":1}}"#), ["__metadata__", "'step'", "not a string"])
        assertRejects(rawSafeTensors(#"{"__metadata__":{"k":null}}"#), ["'k'", "not a string"])
        assertRejects(rawSafeTensors(#"{"__metadata__":{"k":{"nested":"x"}}}"#), ["'k'", "not a string"])
        assertRejects(rawSafeTensors(#"{"__metadata__":["a"]}"#), ["__metadata__"])
        assertRejects(rawSafeTensors(#"{"__metadata__":"text"}"#), ["__metadata__"])
    }

    func testErrorsStayOnOneLineWithHostileNames() {
        // Names can hold any JSON string escape; the message must still be a single line.
        assertRejects(rawSafeTensors(#"{"evil\nname":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                      ["evil", "name", "not supported"])
        assertRejects(rawSafeTensors(#"{"a":{"dtype":"F32\r\n\u2028x","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                      ["'a'", "not supported"])
        assertRejects(rawSafeTensors(#"{"__metadata__":{"line\none":1}}"#), ["not a string"])
    }

    // MARK: - Strict model loading

    private func makeStore(seed: UInt64, hidden: Int = 3) -> ParameterStore<Float> {
        let store = ParameterStore<Float>(seed: seed)
        store.add("fc.weight", shape: [2, hidden], initializer: .normal(std: 1))
        store.add("fc.bias", shape: [2], initializer: .normal(std: 1))
        store.add("norm.scale", shape: [], initializer: .normal(std: 1))
        return store
    }

    private func values(_ store: ParameterStore<Float>) -> [Float] {
        Array(UnsafeBufferPointer(start: store.values, count: store.count))
    }

    func testStoreSaveLoadRoundTripIsExact() throws {
        let a = makeStore(seed: 1), b = makeStore(seed: 2)
        XCTAssertNotEqual(values(a), values(b))
        var w = SafeTensorsWriter()
        a.save(into: &w)
        let st = try SafeTensors(bytes: w.serialized())
        XCTAssertEqual(Set(st.names), ["fc.weight", "fc.bias", "norm.scale"])
        XCTAssertEqual(st.info("fc.weight")?.shape, [2, 3])
        XCTAssertEqual(st.info("norm.scale")?.shape, [])
        try b.load(from: st)
        XCTAssertEqual(values(b).map(\.bitPattern), values(a).map(\.bitPattern))
        XCTAssertEqual(try st.floats("fc.bias").values, Array(UnsafeBufferPointer(start: a.values + 6, count: 2)))

        // Prefixed, in BF16: values come back rounded to BF16, into a separate buffer.
        var pw = SafeTensorsWriter()
        a.save(into: &pw, prefix: "ema.", dtype: .bf16)
        let pst = try SafeTensors(bytes: pw.serialized())
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: a.count)
        defer { buffer.deallocate() }
        let before = values(b)
        try b.load(from: pst, prefix: "ema.", into: buffer)
        XCTAssertEqual(values(b), before, "load(into:) must not touch the store")
        for i in 0..<a.count {
            let bits = a.values[i].bitPattern
            let lower = Float(bitPattern: bits & 0xFFFF_0000), upper = Float(bitPattern: (bits & 0xFFFF_0000) &+ 0x1_0000)
            XCTAssertTrue(buffer[i] == lower || buffer[i] == upper, "\(a.values[i]) -> \(buffer[i])")
        }
    }

    func testStoreLoadReportsMissingWrongShapeAndUnused() throws {
        let store = makeStore(seed: 3)
        func file(_ build: (inout SafeTensorsWriter) -> Void) throws -> SafeTensors {
            var w = SafeTensorsWriter()
            build(&w)
            return try SafeTensors(bytes: w.serialized())
        }
        func assertLoadFails(_ st: SafeTensors, prefix: String = "", _ fragments: [String], line: UInt = #line) {
            XCTAssertThrowsError(try store.load(from: st, prefix: prefix), line: line) { e in
                guard let e = e as? SafeTensorsError else { return XCTFail("wrong error type \(e)", line: line) }
                XCTAssertFalse(e.message.contains(where: \.isNewline), line: line)
                for f in fragments { XCTAssertTrue(e.message.contains(f), "'\(e.message)' lacks '\(f)'", line: line) }
            }
        }
        let missing = try file { w in
            w.add("fc.weight", shape: [2, 3], values: [Float](repeating: 0, count: 6))
            w.add("norm.scale", shape: [], values: [Float(0)])
        }
        assertLoadFails(missing, ["missing", "'fc.bias'", "[2]"])

        let wrongShape = try file { w in
            w.add("fc.weight", shape: [3, 2], values: [Float](repeating: 0, count: 6))
            w.add("fc.bias", shape: [2], values: [Float](repeating: 0, count: 2))
            w.add("norm.scale", shape: [], values: [Float(0)])
        }
        assertLoadFails(wrongShape, ["'fc.weight'", "[3, 2]", "[2, 3]"])

        let scalarAsVector = try file { w in
            w.add("fc.weight", shape: [2, 3], values: [Float](repeating: 0, count: 6))
            w.add("fc.bias", shape: [2], values: [Float](repeating: 0, count: 2))
            w.add("norm.scale", shape: [1], values: [Float(0)])
        }
        assertLoadFails(scalarAsVector, ["'norm.scale'", "[1]", "[]"])

        let extra = try file { w in
            w.add("fc.weight", shape: [2, 3], values: [Float](repeating: 5, count: 6))
            w.add("fc.bias", shape: [2], values: [Float](repeating: 5, count: 2))
            w.add("norm.scale", shape: [], values: [Float(5)])
            w.add("fc.extra", shape: [1], values: [Float(0)])
        }
        assertLoadFails(extra, ["unused", "'fc.extra'"])
        try store.load(from: extra, allowUnused: true)
        XCTAssertEqual(values(store), [Float](repeating: 5, count: store.count))

        // With a prefix, tensors outside the prefix are not "unused", and names in errors carry the prefix.
        let prefixed = try file { w in
            w.add("other.thing", shape: [1], values: [Float(0)])
            w.add("model.fc.weight", shape: [2, 3], values: [Float](repeating: 1, count: 6))
            w.add("model.fc.bias", shape: [2], values: [Float](repeating: 1, count: 2))
        }
        assertLoadFails(prefixed, prefix: "model.", ["missing", "'model.norm.scale'"])
        let prefixedExtra = try file { w in
            w.add("other.thing", shape: [1], values: [Float(0)])
            w.add("model.fc.weight", shape: [2, 3], values: [Float](repeating: 1, count: 6))
            w.add("model.fc.bias", shape: [2], values: [Float](repeating: 1, count: 2))
            w.add("model.norm.scale", shape: [], values: [Float(1)])
            w.add("model.head", shape: [1], values: [Float(1)])
        }
        assertLoadFails(prefixedExtra, prefix: "model.", ["unused", "'model.head'"])
        let prefixedGood = try file { w in
            w.add("other.thing", shape: [1], values: [Float(0)])
            w.add("model.fc.weight", shape: [2, 3], values: [Float](repeating: 7, count: 6))
            w.add("model.fc.bias", shape: [2], values: [Float](repeating: 7, count: 2))
            w.add("model.norm.scale", shape: [], values: [Float(7)])
        }
        try store.load(from: prefixedGood, prefix: "model.")
        XCTAssertEqual(values(store), [Float](repeating: 7, count: store.count))
    }

    /// Metadata JSON has one byte form: keys sorted at every level, whatever the hashing seed.
    func testCanonicalJSONSortsKeys() throws {
        struct Inner: Encodable { var zeta = 1, alpha = [2, 3] }
        struct Outer: Encodable { var width = 4, inner = Inner(), beta = "b", channels = [8, 16] }
        XCTAssertEqual(try CanonicalJSON.string(Outer()),
                       #"{"beta":"b","channels":[8,16],"inner":{"alpha":[2,3],"zeta":1},"width":4}"#)
    }
}
