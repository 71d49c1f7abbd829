// safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
// a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {string: string}}, then the data.
// Reading validates everything before touching data: header bounds, JSON shape, dtypes, shape/size
// agreement with overflow checks, offsets inside the buffer, no overlaps and no holes. Every failure
// is one `SafeTensorsError` line naming the problem (and the tensor).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    public let message: String
    /// Control characters (a tensor name from a hostile header may hold "\n") are escaped so the
    /// message stays one line.
    public init(_ message: String) {
        var line = ""
        for c in message.unicodeScalars {
            if c.properties.generalCategory == .control || c == "\u{2028}" || c == "\u{2029}" {
                line += "\\u{\(String(c.value, radix: 16))}"
            } else {
                line.unicodeScalars.append(c)
            }
        }
        self.message = line
    }
    public var description: String { message }
}

public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16"
    public var byteSize: Int { self == .f32 ? 4 : 2 }
}

public struct SafeTensors: Sendable {
    public struct Info: Sendable, Equatable {
        public let name: String
        public let dtype: SafeTensorsDType
        public let shape: [Int]
        /// Byte range inside the data section.
        public let range: Range<Int>
        public var count: Int { shape.reduce(1, *) }
    }

    /// The largest header accepted (the reference implementation uses 100 MB).
    public static let maxHeaderBytes = 100_000_000

    public let metadata: [String: String]
    /// Tensors in data order.
    public let infos: [Info]
    private let byName: [String: Int]
    /// The whole file; the data section starts at `dataStart` (kept in place: no copy of the weights).
    private let bytes: [UInt8]
    private let dataStart: Int

    public var names: [String] { infos.map(\.name) }
    public func info(_ name: String) -> Info? { byName[name].map { infos[$0] } }

    public static func read(path: String) throws -> SafeTensors {
        guard let bytes = readFile(path) else {
            throw SafeTensorsError("cannot read '\(path)': no such file or not readable")
        }
        do {
            return try SafeTensors(bytes: bytes)
        } catch let e as SafeTensorsError {
            throw SafeTensorsError("\(path): \(e.message)")
        }
    }

    public init(bytes: [UInt8]) throws {
        guard bytes.count >= 8 else {
            throw SafeTensorsError("truncated file: \(bytes.count) bytes, a safetensors file needs at least 8 (the header length)")
        }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(SafeTensors.maxHeaderBytes) else {
            throw SafeTensorsError("header length \(n) is larger than the \(SafeTensors.maxHeaderBytes)-byte limit")
        }
        let headerLength = Int(n)
        guard headerLength >= 2 else { throw SafeTensorsError("header length \(headerLength) is too small for a JSON object") }
        guard 8 + headerLength <= bytes.count else {
            throw SafeTensorsError("truncated file: header says \(headerLength) bytes but only \(bytes.count - 8) follow")
        }
        let headerBytes = bytes[8..<(8 + headerLength)]
        guard headerBytes.first == UInt8(ascii: "{") else { throw SafeTensorsError("header is not a JSON object (must start with '{')") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(headerBytes), options: [])
        } catch {
            throw SafeTensorsError("header is not valid JSON")
        }
        guard let header = object as? [String: Any] else { throw SafeTensorsError("header is not a JSON object") }
        let dataCount = bytes.count - 8 - headerLength

        var metadata: [String: String] = [:]
        var infos: [Info] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw SafeTensorsError("__metadata__ is not an object of strings") }
                for (k, v) in m {
                    guard let s = v as? String else { throw SafeTensorsError("__metadata__ value for '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            infos.append(try SafeTensors.parseInfo(name: name, value: value, dataCount: dataCount))
        }
        infos.sort { ($0.range.lowerBound, $0.range.upperBound, $0.name) < ($1.range.lowerBound, $1.range.upperBound, $1.name) }
        var cursor = 0
        for info in infos {
            if info.range.lowerBound < cursor {
                throw SafeTensorsError("tensor '\(info.name)' overlaps the previous tensor (starts at byte \(info.range.lowerBound), previous ends at \(cursor))")
            }
            if info.range.lowerBound > cursor {
                throw SafeTensorsError("hole in the data before tensor '\(info.name)' (bytes \(cursor)..<\(info.range.lowerBound) belong to no tensor)")
            }
            cursor = info.range.upperBound
        }
        if cursor != dataCount {
            throw SafeTensorsError("data section has \(dataCount) bytes but the tensors cover \(cursor)")
        }
        self.metadata = metadata
        self.infos = infos
        var index: [String: Int] = [:]
        for (i, info) in infos.enumerated() { index[info.name] = i }
        byName = index
        self.bytes = bytes
        dataStart = 8 + headerLength
    }

    /// FNV-1a (64-bit) of the whole file as 16 hex digits, as `ShippedResource.contentHash(path:)`
    /// gives for the file it was read from.
    public var contentHash: String { bytes.withUnsafeBytes { ShippedResource.contentHash(of: $0) } }

    /// A file's bytes read straight into one array (Data and a copy of it would double the time and memory).
    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        let size = Int(st.st_size)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var done = 0
            while done < size {
                let n = Glibc.read(fd, buffer.baseAddress! + done, size - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { failed = true; break }
                done += n
            }
            count = failed ? 0 : size
        }
        return failed ? nil : bytes
    }

    static func parseInfo(name: String, value: Any, dataCount: Int) throws -> Info {
        guard let entry = value as? [String: Any] else { throw SafeTensorsError("tensor '\(name)': entry is not an object") }
        guard let dtypeText = entry["dtype"] as? String else { throw SafeTensorsError("tensor '\(name)': missing dtype") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeText) else {
            throw SafeTensorsError("tensor '\(name)': dtype '\(dtypeText.prefix(20))' is not supported (accepted: F32, F16, BF16)")
        }
        guard let shapeAny = entry["shape"] as? [Any] else { throw SafeTensorsError("tensor '\(name)': missing or malformed shape") }
        var shape: [Int] = []
        var elements = 1
        for d in shapeAny {
            guard let dim = exactInt(d), dim >= 0 else { throw SafeTensorsError("tensor '\(name)': shape has a non-integer or negative dimension") }
            let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= Int(Int32.max) * 64 else { throw SafeTensorsError("tensor '\(name)': shape \(shapeAny) is too large") }
            elements = product
            shape.append(dim)
        }
        guard let offsets = entry["data_offsets"] as? [Any], offsets.count == 2,
              let begin = exactInt(offsets[0]), let end = exactInt(offsets[1]) else {
            throw SafeTensorsError("tensor '\(name)': data_offsets must be two integers")
        }
        guard begin >= 0, begin <= end, end <= dataCount else {
            throw SafeTensorsError("tensor '\(name)': data_offsets [\(begin), \(end)] fall outside the \(dataCount)-byte data section")
        }
        guard end - begin == elements * dtype.byteSize else {
            throw SafeTensorsError("tensor '\(name)': \(end - begin) bytes of data but shape \(shape) of \(dtype.rawValue) needs \(elements * dtype.byteSize)")
        }
        return Info(name: name, dtype: dtype, shape: shape, range: begin..<end)
    }

    /// JSON numbers arrive as NSNumber; accept only exact integers (no Bool, no fractions).
    /// JSON true/false are NSNumber booleans; `is Bool` cannot tell them apart, since on Linux it is
    /// also true for the numbers 0 and 1, so compare with the boolean NSNumber class instead.
    static func exactInt(_ any: Any) -> Int? {
        if let n = any as? NSNumber { if type(of: n) == booleanNumberType { return nil } } else if any is Bool { return nil }
        if let i = any as? Int { return i }
        if let d = any as? Double, d.rounded() == d, abs(d) < 9e15 { return Int(d) }
        return nil
    }

    private static let booleanNumberType = type(of: NSNumber(value: true))

    /// A tensor's values converted to Float.
    public func floats(_ name: String) throws -> (shape: [Int], values: [Float]) {
        guard let info = info(name) else { throw SafeTensorsError("no tensor named '\(name)'") }
        let n = info.count
        let out = [Float](unsafeUninitializedCapacity: n) { dst, count in
            bytes.withUnsafeBytes { raw in
                let base = raw.baseAddress! + dataStart + info.range.lowerBound
                let o = dst.baseAddress!
                switch info.dtype {
                case .f32:
                    for i in 0..<n { o[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                case .f16:
                    for i in 0..<n { o[i] = Float(Float16(bitPattern: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))) }
                case .bf16:
                    for i in 0..<n { o[i] = Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
                }
            }
            count = n
        }
        return (info.shape, out)
    }

    public func tensor<T: TensorScalar>(_ name: String, as: T.Type = T.self) throws -> Tensor<T> {
        let (shape, values) = try floats(name)
        return Tensor(shape: shape, values: values.map { T($0) })
    }
}

/// Builds a safetensors file. Tensors are written in the order added.
public struct SafeTensorsWriter {
    private var entries: [(name: String, shape: [Int], dtype: SafeTensorsDType, bytes: [UInt8])] = []
    public var metadata: [String: String] = [:]

    public init() {}

    public mutating func add<C: Collection>(_ name: String, shape: [Int], values: C, dtype: SafeTensorsDType = .f32) where C.Element: BinaryFloatingPoint {
        precondition(shape.reduce(1, *) == values.count, "'\(name)': shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
        precondition(!entries.contains { $0.name == name } && name != "__metadata__", "duplicate tensor name '\(name)'")
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * dtype.byteSize)
        for v in values {
            let f = Float(v)
            switch dtype {
            case .f32: withUnsafeBytes(of: f.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            case .f16: withUnsafeBytes(of: Float16(f).bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            case .bf16: withUnsafeBytes(of: SafeTensorsWriter.bfloat16(f).littleEndian) { bytes.append(contentsOf: $0) }
            }
        }
        entries.append((name, shape, dtype, bytes))
    }

    public mutating func add<T: TensorScalar>(_ name: String, tensor: Tensor<T>, dtype: SafeTensorsDType = .f32) {
        add(name, shape: tensor.shape, values: tensor.scalars, dtype: dtype)
    }

    /// Round to nearest even; NaN stays NaN.
    static func bfloat16(_ f: Float) -> UInt16 {
        let bits = f.bitPattern
        if f.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }

    public func serialized() -> [UInt8] {
        var header: [String: Any] = [:]
        var offset = 0
        for e in entries {
            header[e.name] = ["dtype": e.dtype.rawValue, "shape": e.shape, "data_offsets": [offset, offset + e.bytes.count]] as [String: Any]
            offset += e.bytes.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])).map { [UInt8]($0) } ?? Array("{}".utf8)
        while (8 + json.count) % 8 != 0 { json.append(UInt8(ascii: " ")) }   // align data to 8 bytes
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for e in entries { out.append(contentsOf: e.bytes) }
        return out
    }

    /// Writes to a temporary file beside `path`, then renames it into place.
    public func write(to path: String) throws {
        try AtomicFile.write(serialized(), to: path)
    }
}

public enum AtomicFile {
    /// Writes bytes to `path` through a temporary name in the same folder and a rename, so readers
    /// never see a half-written file.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(bytes).write(to: temp)
            // rename(2) replaces an existing file atomically (FileManager.replaceItemAt fails on Linux).
            if rename(temp.path, url.path) != 0 {
                throw SafeTensorsError("cannot write '\(path)': \(String(cString: strerror(errno)))")
            }
        } catch let e as SafeTensorsError {
            try? FileManager.default.removeItem(at: temp)
            throw e
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw SafeTensorsError("cannot write '\(path)': \(error.localizedDescription)")
        }
    }
}
