// JSON for metadata written into files: keys sorted, so the same value gives the same bytes in every
// process (JSONEncoder's default order follows hashing, which is seeded per process).
import Foundation

public enum CanonicalJSON {
    public static func string<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
